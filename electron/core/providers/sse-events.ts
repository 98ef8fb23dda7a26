import { StringDecoder } from 'node:string_decoder'

/** One server-sent event: its `event` field (null when absent) and its data lines joined by newlines. */
export interface SseEvent {
  event: string | null
  data: string
}

/**
 * Server-sent events from a response body, as the HTML spec parses them (LF, CRLF or CR line
 * ends; `data` lines joined; comments and unknown fields ignored; an unterminated last event
 * dropped; text decoded as UTF-8 across chunk boundaries). Yields the events completed by each body chunk together, so a consumer
 * pays one step per network read rather than one per event.
 */
export async function* sseEventBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent[]> {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let event: string | null = null
  let data: string[] = []
  let batch: SseEvent[] = []

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) batch.push({ event, data: data.join('\n') })
      event = null
      data = []
      return
    }
    if (text.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
  }

  /** Feeds every complete line of `text` (after what was pending) and keeps the unfinished rest. */
  const feed = (text: string) => {
    const all = pending + text
    let start = 0
    for (let i = 0; i < all.length; i++) {
      const c = all.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      // A CR at the very end may be the first half of a CRLF split across reads: wait for the next read.
      if (c === 13 && i === all.length - 1) break
      line(all.slice(start, i))
      if (c === 13 && all.charCodeAt(i + 1) === 10) i++
      start = i + 1
    }
    pending = all.slice(start)
  }

  for await (const chunk of body) {
    feed(decoder.write(chunk as Buffer))
    if (batch.length > 0) {
      yield batch
      batch = []
    }
  }
  feed(decoder.end())
  // A CR held back for a possible LF ended its line after all. An event the body left
  // unterminated (no blank line) is discarded, as the spec says.
  if (pending.endsWith('\r')) line(pending.slice(0, -1))
  if (batch.length > 0) yield batch
}
