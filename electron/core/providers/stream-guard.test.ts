import { afterEach, describe, expect, it, vi } from 'vitest'
import { guardAnswer, guardStream } from './stream-guard'
import { ProviderError, type StreamChunk } from './types'

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

  describe('clocks (fake time)', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    /** Text chunks after the given gaps (ms) on the faked global timers, stopped by the guard's abort as a real request is. */
    const paced = (gaps: number[]) =>
      async function* (signal: AbortSignal) {
        for (const [i, gap] of gaps.entries()) {
          await new Promise((resolve, reject) => {
            const timer = setTimeout(resolve, gap)
            signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true })
          })
          yield { text: `t${i}` }
        }
      }

    async function outcome(gaps: number[], limits: { firstTokenTimeoutMs: number; idleTimeoutMs: number }, runMs: number) {
      vi.useFakeTimers()
      const texts: string[] = []
      const read = (async () => {
        for await (const chunk of guardStream(paced(gaps), { ...limits, label: 'test endpoint', signal: new AbortController().signal })) texts.push(chunk.text)
        return 'done'
      })().catch((error: { errorClass?: string }) => error.errorClass)
      await vi.advanceTimersByTimeAsync(runMs)
      // Still reading after `runMs` of fake time is an answer too (a clock that did not fire).
      return { result: await Promise.race([read, Promise.resolve('still reading')]), texts }
    }

    it('lets a stream whose every gap is under the idle timeout run for far longer than it', async () => {
      expect(await outcome(Array(10).fill(60), { firstTokenTimeoutMs: 1000, idleTimeoutMs: 100 }, 1000)).toEqual({
        result: 'done',
        texts: Array.from({ length: 10 }, (_, i) => `t${i}`),
      })
    })

    it('stalls at the idle timeout after the first text, even when the first-token wait had longer to run', async () => {
      expect(await outcome([0, 5000], { firstTokenTimeoutMs: 1000, idleTimeoutMs: 100 }, 150)).toEqual({ result: 'stalled', texts: ['t0'] })
    })

    it('times out when the first text does not come in time', async () => {
      expect(await outcome([5000], { firstTokenTimeoutMs: 200, idleTimeoutMs: 100 }, 250)).toEqual({ result: 'timeout', texts: [] })
    })
  })
})

describe('guardAnswer', () => {
  afterEach(() => vi.useRealTimers())

  /** An upstream that answers only when its signal aborts (then rejects, as a fetch does). */
  function hanging(): { open: (signal: AbortSignal) => Promise<StreamChunk>; signal: () => AbortSignal } {
    let seen: AbortSignal | null = null
    return {
      open: (signal) => {
        seen = signal
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('socket closed')), { once: true }))
      },
      signal: () => seen!,
    }
  }

  it('passes the answer through and leaves the upstream alone', async () => {
    let seen: AbortSignal | null = null
    const answer = await guardAnswer(
      (signal) => {
        seen = signal
        return Promise.resolve({ text: 'all of it' })
      },
      { timeoutMs: 1000, label: 'test endpoint', signal: new AbortController().signal },
    )
    expect(answer).toEqual({ text: 'all of it' })
    expect(seen!.aborted).toBe(false)
  })

  it('aborts the upstream at the whole-answer deadline and throws a timeout naming it', async () => {
    vi.useFakeTimers()
    const up = hanging()
    const answer = guardAnswer(up.open, { timeoutMs: 90_000, label: 'test endpoint', signal: new AbortController().signal })
    const failed = expect(answer).rejects.toMatchObject({ errorClass: 'timeout', message: 'test endpoint: no answer within 90 s' })
    await vi.advanceTimersByTimeAsync(89_999)
    expect(up.signal().aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await failed
    expect(up.signal().aborted).toBe(true)
  })

  it('aborts the upstream and says so when the caller stops it', async () => {
    const up = hanging()
    const caller = new AbortController()
    const answer = guardAnswer(up.open, { timeoutMs: 90_000, label: 'test endpoint', signal: caller.signal })
    caller.abort()
    await expect(answer).rejects.toBeInstanceOf(ProviderError)
    await expect(answer).rejects.toMatchObject({ errorClass: 'aborted' })
    expect(up.signal().aborted).toBe(true)
  })
})
