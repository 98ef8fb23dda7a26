/** Socket and undici error codes, as a person would say them. */
const PHRASES = new Map([
  ['ECONNREFUSED', 'connection refused'],
  ['ENOTFOUND', 'host not found'],
  ['EAI_AGAIN', 'host not found'],
  ['ECONNRESET', 'connection reset'],
  ['UND_ERR_SOCKET', 'connection reset'],
  ['UND_ERR_HEADERS_TIMEOUT', 'no answer in time'],
  ['UND_ERR_BODY_TIMEOUT', 'no answer in time'],
  ['ETIMEDOUT', 'no answer in time'],
  ['EHOSTUNREACH', 'network unreachable'],
  ['ENETUNREACH', 'network unreachable'],
])

/**
 * Turn a fetch/socket failure into a short phrase a person can act on. Node's fetch wraps
 * the socket error in `cause`; timeouts arrive as AbortError/TimeoutError.
 */
export function describeNetworkError(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.name === 'TimeoutError') return 'no answer in time'
  const code = err?.cause?.code ?? (err as { code?: string })?.code
  const phrase = code === undefined ? undefined : PHRASES.get(code)
  if (phrase) return phrase
  return err?.message ? String(err.message).slice(0, 200) : 'unknown network error'
}

export function isAbortError(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError'
}
