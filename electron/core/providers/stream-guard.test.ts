import { describe, expect, it } from 'vitest'
import { guardStream } from './stream-guard'
import type { StreamChunk } from './types'

const OPTIONS = { firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000, label: 'test endpoint' }

/** An upstream of three chunks that keeps the signal it was opened with. */
function upstream(): { open: (signal: AbortSignal) => AsyncIterable<StreamChunk>; signal: () => AbortSignal } {
  let seen: AbortSignal | null = null
  return {
    open: async function* (signal) {
      seen = signal
      for (const text of ['a', 'b', 'c']) yield { text }
    },
    signal: () => seen!,
  }
}

describe('guardStream', () => {
  it('leaves a stream read to its end alone: it has released its connection already', async () => {
    const up = upstream()
    const texts: string[] = []
    for await (const chunk of guardStream(up.open, { ...OPTIONS, signal: new AbortController().signal })) texts.push(chunk.text)
    expect(texts).toEqual(['a', 'b', 'c'])
    expect(up.signal().aborted).toBe(false)
  })

  it('aborts the upstream request when the consumer stops reading early', async () => {
    const up = upstream()
    for await (const chunk of guardStream(up.open, { ...OPTIONS, signal: new AbortController().signal })) {
      if (chunk.text === 'a') break
    }
    expect(up.signal().aborted).toBe(true)
  })

  it('aborts the upstream request and says so when the caller stops it', async () => {
    const up = upstream()
    const caller = new AbortController()
    const read = async () => {
      for await (const chunk of guardStream(up.open, { ...OPTIONS, signal: caller.signal })) if (chunk.text === 'b') caller.abort()
    }
    await expect(read()).rejects.toMatchObject({ errorClass: 'aborted' })
    expect(up.signal().aborted).toBe(true)
  })
})
