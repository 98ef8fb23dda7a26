/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms`, or with the signal's reason
 * when `signal` aborts, whichever comes first; the timer and the abort listener go as soon as
 * it settles. Given a function, the work gets its own signal, aborted on timeout or outer
 * abort so a well-behaved callee stops too; the race still holds when the callee ignores its
 * signal, so the caller never waits past its bound.
 */
export function withTimeout<T>(work: Promise<T> | ((signal: AbortSignal) => Promise<T>), ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  const controller = new AbortController()
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      controller.abort(signal.reason)
      reject(signal.reason as Error)
      return
    }
    const finish = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const stop = (reason: unknown) => {
      finish()
      controller.abort(reason)
      reject(reason as Error)
    }
    const onAbort = () => stop(signal?.reason)
    const timer = setTimeout(() => stop(onTimeout()), ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    let running: Promise<T>
    try {
      running = typeof work === 'function' ? work(controller.signal) : work
    } catch (error) {
      finish()
      reject(error as Error)
      return
    }
    running.then(
      (value) => {
        finish()
        resolve(value)
      },
      (error: unknown) => {
        finish()
        reject(error as Error)
      },
    )
  })
}
