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
  let timer: NodeJS.Timeout | undefined
  const arm = (kind: 'timeout' | 'stalled', ms: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      fired = kind
      inner.abort(new Error(kind))
    }, ms)
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

  arm('timeout', options.firstTokenTimeoutMs)
  let drained = false
  try {
    for await (const chunk of open(inner.signal)) {
      clearTimeout(timer)
      if (fired) break
      if (chunk.text) sawText = true
      yield chunk
      if (sawText) arm('stalled', options.idleTimeoutMs)
      else arm('timeout', Math.max(1, options.firstTokenTimeoutMs - (Date.now() - started)))
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
