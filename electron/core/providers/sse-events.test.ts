import { describe, expect, it } from 'vitest'
import { SseParser, type SseEvent } from './sse-events'

/** The events each part completes, then those the end completes; empty batches left out. */
function batches(...parts: Array<string | Uint8Array>): SseEvent[][] {
  const parser = new SseParser()
  const out = [...parts.map((part) => parser.push(typeof part === 'string' ? Buffer.from(part) : part)), parser.end()]
  return out.filter((batch) => batch.length > 0)
}

const data = (d: string, event: string | null = null): SseEvent => ({ event, data: d })

describe('server-sent events', () => {
  it('yields the events each read completes together', () => {
    expect(batches('data: a\n\ndata: b\n\ndata: c', '\n\ndata: [DONE]\n\n')).toEqual([
      [data('a'), data('b')],
      [data('c'), data('[DONE]')],
    ])
  })

  it('joins data lines, reads event names, skips comments and unknown fields, strips one leading space', () => {
    expect(batches(': keep-alive\nevent: error\ndata:  two spaces\ndata:x\nid: 7\nretry: 10\n\n')).toEqual([[data(' two spaces\nx', 'error')]])
  })

  it('accepts LF, CRLF and CR line ends, a CRLF split across reads included', () => {
    expect(batches('data: a\r\n\r\ndata: b\r\rdata: c\n\n')).toEqual([[data('a'), data('b'), data('c')]])
    expect(batches('data: a\r', '\n\r', '\n')).toEqual([[data('a')]])
  })

  it('decodes UTF-8 split across reads', () => {
    const bytes = Buffer.from('data: héllo 🌍\n\n')
    const cut = bytes.indexOf(0xf0) + 2 // inside the emoji's four bytes
    expect(batches(bytes.subarray(0, cut), bytes.subarray(cut))).toEqual([[data('héllo 🌍')]])
  })

  it('drops an event the body left unterminated, and yields nothing for reads that complete none', () => {
    expect(batches('data: whole\n\n', 'data: cut off')).toEqual([[data('whole')]])
    expect(batches('data: par', 'tial\n', '\n')).toEqual([[data('partial')]])
    expect(batches('')).toEqual([])
  })
})
