/**
 * Turn a fetch/socket failure into a short phrase a person can act on. Node's fetch wraps
 * the socket error in `cause`; timeouts arrive as AbortError/TimeoutError.
 */
export function describeNetworkError(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.name === 'TimeoutError') return 'no answer in time'
  const code = err?.cause?.code ?? (err as { code?: string })?.code
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found'
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset'
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'no answer in time'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'network unreachable'
  }
  return err?.message ? String(err.message).slice(0, 200) : 'unknown network error'
}

export function isAbortError(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError'
}
