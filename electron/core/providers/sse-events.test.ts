import { describe, expect, it } from 'vitest'
import { sseEventBatches, type SseEvent } from './sse-events'

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part
}

async function batches(...parts: Array<string | Uint8Array>): Promise<SseEvent[][]> {
  const out: SseEvent[][] = []
  for await (const batch of sseEventBatches(chunks(...parts))) out.push(batch)
  return out
}

const data = (d: string, event: string | null = null): SseEvent => ({ event, data: d })

describe('server-sent events', () => {
  it('yields the events each read completes together', async () => {
    expect(await batches('data: a\n\ndata: b\n\ndata: c', '\n\ndata: [DONE]\n\n')).toEqual([
      [data('a'), data('b')],
      [data('c'), data('[DONE]')],
    ])
  })

  it('joins data lines, reads event names, skips comments and unknown fields, strips one leading space', async () => {
    expect(await batches(': keep-alive\nevent: error\ndata:  two spaces\ndata:x\nid: 7\nretry: 10\n\n')).toEqual([[data(' two spaces\nx', 'error')]])
  })

  it('accepts LF, CRLF and CR line ends, a CRLF split across reads included', async () => {
    expect(await batches('data: a\r\n\r\ndata: b\r\rdata: c\n\n')).toEqual([[data('a'), data('b'), data('c')]])
    expect(await batches('data: a\r', '\n\r', '\n')).toEqual([[data('a')]])
  })

  it('decodes UTF-8 split across reads', async () => {
    const bytes = Buffer.from('data: héllo 🌍\n\n')
    const cut = bytes.indexOf(0xf0) + 2 // inside the emoji's four bytes
    expect(await batches(bytes.subarray(0, cut), bytes.subarray(cut))).toEqual([[data('héllo 🌍')]])
  })

  it('drops an event the body left unterminated, and yields nothing for reads that complete none', async () => {
    expect(await batches('data: whole\n\n', 'data: cut off')).toEqual([[data('whole')]])
    expect(await batches('data: par', 'tial\n', '\n')).toEqual([[data('partial')]])
    expect(await batches('')).toEqual([])
  })
})
