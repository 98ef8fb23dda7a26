import OpenAI from 'openai'
import type { EndpointConfig } from '../../../shared/endpoints'
import { describeNetworkError, isAbortError } from '../lib/net-errors'
import { OllamaError } from '../ollama/bridge'
import { ProviderError } from './types'

/** Socket/DNS codes that mean "this machine has no network", not "that server is down". */
const NETWORK_DOWN = new Set(['EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN'])
/** Codes that mean the server is certainly not answering: open its circuit at once. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH'])

const MAX_UPSTREAM_CHARS = 200

/**
 * Remove secrets from text that came from upstream (error bodies can echo a key's prefix
 * and suffix, e.g. "Incorrect API key provided: sk-***abcd"). Known secrets are removed
 * with their 6-character ends; key-shaped and Bearer tokens are masked whatever they are.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of secrets) {
    if (!secret) continue
    out = out.split(secret).join('[redacted]')
    if (secret.length >= 12) {
      out = out.split(secret.slice(-6)).join('[redacted]').split(secret.slice(0, 6)).join('[redacted]')
    }
  }
  const masked = out
    .replace(/\b(?:sk|pk|rk|ak)-[A-Za-z0-9_*.-]{3,}/g, '[redacted]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\s+/g, ' ')
    .trim()
  return clip(masked, MAX_UPSTREAM_CHARS)
}

/** Shorten at a word boundary with an ellipsis, so a shown error never ends mid-word. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`
}

/** Retry-After as milliseconds: `retry-after-ms`, then `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '')
  if (Number.isFinite(ms) && ms >= 0) return ms
  const raw = headers.get('retry-after')
  if (!raw) return undefined
  const seconds = Number(raw)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(raw)
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** A transport failure (no HTTP status): network down, refused, reset, timed out. */
export function classifyNetworkError(error: unknown, where: string): ProviderError {
  const code = causeCode(error)
  const what = describeNetworkError(code && !(error as { cause?: { code?: string } }).cause?.code ? { ...(error as object), cause: { code } } : error)
  if (code && NETWORK_DOWN.has(code)) {
    return new ProviderError('offline', `${where}: the network is unreachable (${what})`)
  }
  if (code && UNREACHABLE.has(code)) {
    return new ProviderError('unavailable', `${where}: ${what}`, { unreachable: true })
  }
  if ((error as { name?: string }).name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new ProviderError('timeout', `${where}: no answer in time`)
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || (error as Error)?.message === 'terminated') {
    return new ProviderError('unavailable', `${where}: the connection dropped`)
  }
  return new ProviderError('unavailable', `${where}: ${redact(what)}`)
}

export function endpointLabel(endpoint: Pick<EndpointConfig, 'id' | 'name'>): string {
  return endpoint.name && endpoint.name !== endpoint.id ? `${endpoint.name} (${endpoint.id})` : endpoint.id
}

const CONTEXT_LENGTH = /context[_ ]length|maximum context|context window|too many tokens|prompt is too long|reduce the length/i

/**
 * Classify anything the openai SDK throws. Upstream messages are redacted; a rejected key's
 * message is never repeated (providers echo parts of the key in it).
 */
export function classifyOpenAIError(error: unknown, endpoint: EndpointConfig, secrets: readonly string[], signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error
  const where = `${endpointLabel(endpoint)}`
  if (signal?.aborted || error instanceof OpenAI.APIUserAbortError || isAbortError(error)) {
    return new ProviderError('aborted', 'generation stopped')
  }
  if (error instanceof OpenAI.AuthenticationError) {
    return new ProviderError('misconfigured', `${where} rejected the API key (401). Check the key for this endpoint.`, { status: 401 })
  }
  if (error instanceof OpenAI.PermissionDeniedError) {
    return new ProviderError('misconfigured', `${where} refused access (403): the key lacks permission for this model or region.`, { status: 403 })
  }
  if (error instanceof OpenAI.RateLimitError) {
    const wait = retryAfterMs(error.headers)
    const after = wait === undefined ? '' : `; retry after ${Math.ceil(wait / 1000)} s`
    return new ProviderError('rate-limited', `${where} is rate limiting requests (429)${after}`, {
      status: 429,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    })
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new ProviderError('timeout', `${where}: no answer in time`)
  if (error instanceof OpenAI.APIConnectionError) return classifyNetworkError(error.cause ?? error, where)
  if (error instanceof OpenAI.APIError) {
    // openai-node prefixes the status to the upstream message ("500 The server had…"); we say it ourselves.
    const upstream = redact(error.message ?? '', secrets).replace(/^\d{3}\s+/, '')
    const status = error.status
    if (status === undefined) {
      // An error event inside the stream.
      return new ProviderError('stream-error', `${where} reported an error mid-stream: ${upstream}`)
    }
    if (status === 400 || status === 413 || status === 422) {
      if (error.code === 'context_length_exceeded' || CONTEXT_LENGTH.test(error.message ?? '')) {
        return new ProviderError('context-length', `${where}: the prompt is longer than the model's context (${upstream})`, { status })
      }
      return new ProviderError('bad-request', `${where} refused the request (${status}): ${upstream}`, { status })
    }
    if (status === 404) {
      if (error.code === 'model_not_found' || /model/i.test(error.message ?? '')) {
        return new ProviderError('model-missing', `${where} does not serve this model (404)`, { status })
      }
      return new ProviderError('misconfigured', `${where} answered 404: check the endpoint's base URL`, { status })
    }
    if (status === 408 || status === 409 || status >= 500) {
      return new ProviderError('unavailable', `${where} answered ${status}: ${upstream}`, { status })
    }
    return new ProviderError('bad-request', `${where} answered ${status}: ${upstream}`, { status })
  }
  if (error instanceof SyntaxError) return new ProviderError('malformed', `${where} sent a malformed chunk`)
  return classifyNetworkError(error, where)
}

/** Classify what the Ollama bridge throws. */
export function classifyOllamaError(error: unknown, endpoint: EndpointConfig, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error
  const where = endpointLabel(endpoint)
  if (signal?.aborted) return new ProviderError('aborted', 'generation stopped')
  if (error instanceof OllamaError) {
    if (error.kind === 'aborted') return new ProviderError('aborted', 'generation stopped')
    const status = error.status
    if (error.kind === 'upstream' && status !== undefined) {
      const message = redact(error.message)
      if (status === 404) return new ProviderError('model-missing', message, { status })
      if (status === 429) return new ProviderError('rate-limited', message, { status })
      if (status === 400 && CONTEXT_LENGTH.test(error.message)) return new ProviderError('context-length', message, { status })
      if (status >= 500) return new ProviderError('unavailable', message, { status })
      return new ProviderError('bad-request', message, { status })
    }
    const cause = (error as { cause?: unknown }).cause
    if (cause instanceof SyntaxError) return new ProviderError('malformed', `${where} sent a malformed answer`)
    if (cause !== undefined && !(cause instanceof OllamaError)) {
      // ollama-js throws a plain Error for an in-stream {"error"} line and for a stream that ends early.
      const text = (cause as Error)?.message ?? ''
      if (!causeCode(cause) && text && (cause as Error).name === 'Error') {
        return new ProviderError('stream-error', `${where} reported an error mid-stream: ${redact(text)}`)
      }
      const net = classifyNetworkError(cause, where)
      return net
    }
    return new ProviderError('unavailable', redact(error.message), { unreachable: true })
  }
  return classifyNetworkError(error, where)
}
