import { describe, expect, it } from 'vitest'
import { createSseParser, readSseStream, type SseMessage } from './sse'

function parseAll(chunks: string[]): { messages: SseMessage[]; lastEventId: string | null; retry: number | null } {
  const messages: SseMessage[] = []
  const parser = createSseParser((m) => messages.push(m))
  for (const c of chunks) parser.push(c)
  parser.end()
  return { messages, lastEventId: parser.lastEventId, retry: parser.retry }
}

/** Every way of cutting `text` into two chunks. */
function allSplits(text: string): string[][] {
  const out: string[][] = []
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)])
  return out
}

describe('createSseParser', () => {
  it('parses named events with JSON data', () => {
    const { messages } = parseAll(['event: chat.token\ndata: {"requestId":"r1","text":"hi"}\n\n'])
    expect(messages).toEqual([{ event: 'chat.token', data: '{"requestId":"r1","text":"hi"}', id: null }])
  })

  it('defaults the event name to "message" and joins data lines with \\n', () => {
    const { messages } = parseAll(['data: a\ndata:b\ndata:  c\n\n'])
    expect(messages).toEqual([{ event: 'message', data: 'a\nb\n c', id: null }])
  })

  it('ignores comments and keep-alives, and events without data', () => {
    const { messages } = parseAll([': connected\n\n:ping\n\nevent: nothing\n\nevent: x\ndata: 1\n\n'])
    expect(messages).toEqual([{ event: 'x', data: '1', id: null }])
  })

  it('handles CRLF, CR and LF line endings', () => {
    const text = 'event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n'
    expect(parseAll([text]).messages.map((m) => `${m.event}=${m.data}`)).toEqual(['a=1', 'b=2', 'c=3'])
  })

  it('gives the same result however the stream is split, even inside a CRLF', () => {
    const text = 'event: chat.status\r\ndata: {"a":1}\r\n\r\n: ping\r\nevent: chat.token\r\ndata: {"t":"x y"}\r\n\r\n'
    const expected = parseAll([text]).messages
    expect(expected).toHaveLength(2)
    for (const chunks of allSplits(text)) expect(parseAll(chunks).messages).toEqual(expected)
    expect(parseAll([...text]).messages).toEqual(expected) // one character at a time
  })

  it('discards an incomplete trailing event at end of stream', () => {
    expect(parseAll(['event: a\ndata: 1\n\nevent: b\ndata: 2']).messages.map((m) => m.event)).toEqual(['a'])
    expect(parseAll(['event: a\ndata: 1\n']).messages).toEqual([])
  })

  it('treats a trailing lone CR as a line end', () => {
    expect(parseAll(['data: 1\r\r']).messages).toEqual([{ event: 'message', data: '1', id: null }])
  })

  it('tracks id and retry, and strips a leading BOM', () => {
    const r = parseAll(['\uFEFFid: 7\nretry: 1500\nretry: soon\ndata: x\n\n'])
    expect(r.messages).toEqual([{ event: 'message', data: 'x', id: '7' }])
    expect(r.lastEventId).toBe('7')
    expect(r.retry).toBe(1500)
  })

  it('keeps a field with no colon as an empty value and ignores unknown fields', () => {
    const r = parseAll(['data\nfoo: bar\n\n'])
    expect(r.messages).toEqual([{ event: 'message', data: '', id: null }])
  })

  it('does not let an event name leak into the next event', () => {
    const r = parseAll(['event: a\ndata: 1\n\ndata: 2\n\n'])
    expect(r.messages.map((m) => m.event)).toEqual(['a', 'message'])
  })
})

describe('readSseStream', () => {
  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: chat.token\ndata: {"text":"héllo ✓"}\n\n')
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const b of bytes) controller.enqueue(new Uint8Array([b]))
        controller.close()
      },
    })
    const messages: SseMessage[] = []
    await readSseStream(
      body,
      createSseParser((m) => messages.push(m)),
    )
    expect(messages).toEqual([{ event: 'chat.token', data: '{"text":"héllo ✓"}', id: null }])
  })

  it('returns when the signal aborts a stream that never ends', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: 1\n\n'))
      },
    })
    const messages: SseMessage[] = []
    const ac = new AbortController()
    const done = readSseStream(
      body,
      createSseParser((m) => messages.push(m)),
      ac.signal,
    )
    await new Promise((r) => setTimeout(r, 10))
    ac.abort()
    await done
    expect(messages).toHaveLength(1)
  })
})
