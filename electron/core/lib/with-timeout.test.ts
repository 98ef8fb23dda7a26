import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { withTimeout } from './with-timeout'

class Late extends Error {}
const late = () => new Late()

/** A promise whose settling the test controls. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('withTimeout', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('settles with the work when it answers in time and clears its timer', async () => {
    const work = deferred<string>()
    const result = withTimeout(work.promise, 100, late)
    work.resolve('answer')
    await expect(result).resolves.toBe('answer')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('passes the work’s own failure through and clears its timer', async () => {
    const work = deferred<string>()
    const result = withTimeout(work.promise, 100, late)
    work.reject(new Error('boom'))
    await expect(result).rejects.toThrow('boom')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with the timeout error at the bound, not before, even when the work never answers', async () => {
    const result = withTimeout(new Promise<string>(() => {}), 100, late)
    let outcome: unknown = 'pending'
    result.catch((error: unknown) => (outcome = error))
    await vi.advanceTimersByTimeAsync(99)
    expect(outcome).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(outcome).toBeInstanceOf(Late)
  })

  it('aborts the work’s signal with the timeout error when the bound passes', async () => {
    let seen: AbortSignal | undefined
    const result = withTimeout(
      (signal) => {
        seen = signal
        return new Promise<string>(() => {})
      },
      50,
      late,
    )
    expect(seen?.aborted).toBe(false)
    const outcome = result.catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(50)
    expect(await outcome).toBeInstanceOf(Late)
    expect(seen?.aborted).toBe(true)
    expect(seen?.reason).toBeInstanceOf(Late)
  })

  it('rejects with the outer signal’s reason on abort, aborts the work’s signal and drops its timer and listener', async () => {
    const outer = new AbortController()
    const remove = vi.spyOn(outer.signal, 'removeEventListener')
    let seen: AbortSignal | undefined
    const result = withTimeout(
      (signal) => {
        seen = signal
        return new Promise<string>(() => {})
      },
      100,
      late,
      outer.signal,
    )
    const stopped = new Error('stopped')
    outer.abort(stopped)
    await expect(result).rejects.toBe(stopped)
    expect(seen?.reason).toBe(stopped)
    expect(vi.getTimerCount()).toBe(0)
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function))
  })

  it('removes its abort listener once the work settles, so a later abort changes nothing', async () => {
    const outer = new AbortController()
    let seen: AbortSignal | undefined
    const result = withTimeout(
      (signal) => {
        seen = signal
        return Promise.resolve('done')
      },
      100,
      late,
      outer.signal,
    )
    await expect(result).resolves.toBe('done')
    outer.abort(new Error('too late'))
    expect(seen?.aborted).toBe(false)
  })

  it('rejects at once, without starting the work, when the signal is already aborted', async () => {
    const outer = new AbortController()
    outer.abort(new Error('already'))
    const work = vi.fn(() => Promise.resolve('never'))
    await expect(withTimeout(work, 100, late, outer.signal)).rejects.toThrow('already')
    expect(work).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('turns a work function that throws synchronously into a rejection and clears its timer', async () => {
    const result = withTimeout(
      () => {
        throw new Error('sync')
      },
      100,
      late,
    )
    await expect(result).rejects.toThrow('sync')
    expect(vi.getTimerCount()).toBe(0)
  })
})
