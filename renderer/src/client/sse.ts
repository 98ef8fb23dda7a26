/**
 * An incremental parser for text/event-stream (the WHATWG "server-sent events" format),
 * fed with decoded text chunks as they arrive from fetch(). Chunks may split lines, CRLF
 * pairs and events anywhere. Comments (": ping") are ignored; an event without data is not
 * dispatched; a trailing event without its blank line is discarded at end of stream.
 */
export interface SseMessage {
  /** The `event:` field, or 'message' when absent. */
  event: string
  /** The `data:` lines joined with '\n'. */
  data: string
  /** The last `id:` seen on the stream so far (for Last-Event-ID on reconnect). */
  id: string | null
}

export interface SseParser {
  push(chunk: string): void
  /** The stream ended: drop any incomplete event. */
  end(): void
  readonly lastEventId: string | null
  /** The last valid `retry:` value in milliseconds, if the server sent one. */
  readonly retry: number | null
}

export function createSseParser(onMessage: (message: SseMessage) => void): SseParser {
  let buffer = ''
  let started = false
  let eventType = ''
  let dataLines: string[] = []
  let lastEventId: string | null = null
  let retry: number | null = null

  function dispatch(): void {
    if (dataLines.length === 0) {
      eventType = ''
      return
    }
    const message: SseMessage = { event: eventType || 'message', data: dataLines.join('\n'), id: lastEventId }
    eventType = ''
    dataLines = []
    onMessage(message)
  }

  function line(text: string): void {
    if (text === '') return dispatch()
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon < 0 ? text : text.slice(0, colon)
    let value = colon < 0 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        eventType = value
        break
      case 'data':
        dataLines.push(value)
        break
      case 'id':
        if (!value.includes('\0')) lastEventId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value)
        break
      default:
        break // unknown fields are ignored, per the spec
    }
  }

  return {
    push(chunk: string): void {
      if (!started && chunk.length > 0) {
        started = true
        if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1)
      }
      buffer += chunk
      let start = 0
      for (;;) {
        let i = start
        while (i < buffer.length && buffer[i] !== '\n' && buffer[i] !== '\r') i++
        if (i >= buffer.length) break
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (buffer[i] === '\r' && i === buffer.length - 1) break
        line(buffer.slice(start, i))
        start = buffer[i] === '\r' && buffer[i + 1] === '\n' ? i + 2 : i + 1
      }
      buffer = buffer.slice(start)
    },
    end(): void {
      // A lone CR left at the end still terminates its line.
      if (buffer.endsWith('\r')) line(buffer.slice(0, -1))
      buffer = ''
      eventType = ''
      dataLines = []
    },
    get lastEventId() {
      return lastEventId
    },
    get retry() {
      return retry
    },
  }
}

/** Pump a fetch() body through the parser until it ends or the signal aborts. */
export async function readSseStream(body: ReadableStream<Uint8Array>, parser: SseParser, signal?: AbortSignal): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder('utf-8')
  const cancel = (): void => {
    reader.cancel().catch(() => {})
  }
  signal?.addEventListener('abort', cancel, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parser.push(decoder.decode(value, { stream: true }))
    }
    parser.push(decoder.decode())
    parser.end()
  } finally {
    signal?.removeEventListener('abort', cancel)
    reader.releaseLock()
  }
}
