import { ProviderError, type StreamChunk } from './types'

export interface StreamGuardOptions {
  /** Longest wait from the request until the first text (covers connect, headers, model load). */
  firstTokenTimeoutMs: number
  /** Longest silence between two chunks once text flows: a stalled stream ends here. */
  idleTimeoutMs: number
  /** The caller's stop button. */
  signal: AbortSignal
  /** Used in the timeout messages. */
  label: string
}

/**
 * Runs one upstream stream under two clocks so that nothing hangs: a first-token deadline
 * and an idle timeout between chunks. When one fires, the upstream request is aborted (its
 * socket released) and the stream throws ProviderError('timeout' | 'stalled'); when the
 * caller aborts, it throws ProviderError('aborted') even if the client ended quietly.
 * The clocks only run while waiting on the upstream, not while the consumer handles a chunk.
 */
export async function* guardStream(open: (signal: AbortSignal) => AsyncIterable<StreamChunk>, options: StreamGuardOptions): AsyncGenerator<StreamChunk> {
  const inner = new AbortController()
  let fired: 'timeout' | 'stalled' | null = null
  // One timer per stream, not one per chunk: each chunk only moves the deadline, and the timer,
  // when it fires early, sleeps again for what is left (chunks often come a few ms apart).
  let kind: 'timeout' | 'stalled' = 'timeout'
  let deadline = 0
  let waiting = false
  let timer: NodeJS.Timeout | undefined
  let timerAt = 0
  const check = () => {
    timer = undefined
    if (!waiting) return // the consumer has the chunk: the clock restarts when it asks for the next
    const left = deadline - Date.now()
    if (left > 0) return schedule(left)
    fired = kind
    inner.abort(new Error(kind))
  }
  const schedule = (ms: number) => {
    timerAt = Date.now() + ms
    timer = setTimeout(check, ms)
  }
  const wait = (next: 'timeout' | 'stalled', ms: number) => {
    kind = next
    deadline = Date.now() + ms
    waiting = true
    if (timer && timerAt > deadline) {
      clearTimeout(timer)
      timer = undefined
    }
    if (!timer) schedule(ms)
  }
  const onCallerAbort = () => inner.abort(options.signal.reason)
  if (options.signal.aborted) throw new ProviderError('aborted', 'generation stopped')
  options.signal.addEventListener('abort', onCallerAbort, { once: true })

  const started = Date.now()
  let sawText = false
  const failure = (): ProviderError | null => {
    if (fired === 'timeout') {
      return new ProviderError('timeout', `${options.label}: no first token within ${Math.round(options.firstTokenTimeoutMs / 100) / 10} s`)
    }
    if (fired === 'stalled') {
      return new ProviderError('stalled', `${options.label}: the stream stalled (nothing for ${Math.round(options.idleTimeoutMs / 100) / 10} s)`)
    }
    if (options.signal.aborted) return new ProviderError('aborted', 'generation stopped')
    return null
  }

  wait('timeout', options.firstTokenTimeoutMs)
  let drained = false
  try {
    for await (const chunk of open(inner.signal)) {
      waiting = false
      if (fired) break
      if (chunk.text) sawText = true
      yield chunk
      if (sawText) wait('stalled', options.idleTimeoutMs)
      else wait('timeout', Math.max(1, options.firstTokenTimeoutMs - (Date.now() - started)))
    }
    drained = !fired
  } catch (error) {
    throw failure() ?? error
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onCallerAbort)
    // Release the upstream socket whatever else happened (a consumer that stops early, a
    // timeout). A stream read to its end has released it already, and aborting it anyway
    // costs every answer an AbortError and the fetch's abort handlers.
    if (!drained) inner.abort()
  }
  const ended = failure()
  if (ended) throw ended
}

export interface AnswerGuardOptions {
  /** Longest wait for the whole answer. */
  timeoutMs: number
  /** The caller's stop button. */
  signal: AbortSignal
  /** Used in the timeout message. */
  label: string
}

/**
 * Runs one non-streamed upstream call under a single whole-answer deadline: when it passes,
 * the upstream request is aborted (its socket released) and the call throws
 * ProviderError('timeout'); when the caller aborts, it throws ProviderError('aborted').
 */
export async function guardAnswer(open: (signal: AbortSignal) => Promise<StreamChunk>, options: AnswerGuardOptions): Promise<StreamChunk> {
  if (options.signal.aborted) throw new ProviderError('aborted', 'generation stopped')
  const inner = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    inner.abort(new Error('timeout'))
  }, options.timeoutMs)
  const onCallerAbort = () => inner.abort(options.signal.reason)
  options.signal.addEventListener('abort', onCallerAbort, { once: true })
  try {
    return await open(inner.signal)
  } catch (error) {
    if (timedOut) throw new ProviderError('timeout', `${options.label}: no answer within ${Math.round(options.timeoutMs / 100) / 10} s`)
    if (options.signal.aborted) throw new ProviderError('aborted', 'generation stopped')
    throw error
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onCallerAbort)
  }
}
