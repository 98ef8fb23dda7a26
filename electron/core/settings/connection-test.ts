import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai'
import type { EndpointConfig } from '../../../shared/endpoints'
import type { ConnectionTestKind, ConnectionTestResult } from '../../../shared/keys'
import { describeNetworkError } from '../lib/net-errors'

/** Cloud providers that always need a key; for ollama/custom endpoints the test tries without one. */
const KEY_REQUIRED: ReadonlySet<EndpointConfig['provider']> = new Set(['openai', 'featherless', 'openrouter'])
/** Sent when no key is set, so the SDK never falls back to OPENAI_API_KEY from the environment. */
const NO_KEY_PLACEHOLDER = 'routellm-no-key-set'
const MAX_MODELS = 100

export interface ConnectionTestOptions {
  timeoutMs?: number
  /** For tests: the fetch the SDK uses. */
  fetch?: typeof fetch
  /** Why the cloud is switched off (offline mode), or null: a cloud endpoint is then not contacted. */
  offlineReason?: () => string | null
}

function result(
  endpoint: EndpointConfig,
  started: number,
  kind: ConnectionTestKind,
  message: string,
  httpStatus: number | null = null,
  models: string[] = [],
): ConnectionTestResult {
  return { endpointId: endpoint.id, ok: kind === 'ok', kind, message, httpStatus, models, ms: Math.max(0, Math.round(performance.now() - started)) }
}

/**
 * "Test connection": one cheap authenticated call (GET {baseURL}/models) with the official
 * SDK, no retries, and a result a person can act on. The message is always ours: upstream
 * error bodies are never passed on (OpenAI's 401 quotes part of the key it was given).
 */
export async function testConnection(endpoint: EndpointConfig, key: string | null, options: ConnectionTestOptions = {}): Promise<ConnectionTestResult> {
  const started = performance.now()
  const where = endpoint.baseURL
  const offline = endpoint.tier === 'cloud' ? (options.offlineReason?.() ?? null) : null
  if (offline) {
    return result(
      endpoint,
      started,
      'unreachable',
      `Not tested: RouteLLM is offline (${offline.replace(/[.\s]+$/, '')}), so it does not contact ${endpoint.name}. Turn offline mode off to test it.`,
    )
  }
  if (key === null && KEY_REQUIRED.has(endpoint.provider)) {
    return result(endpoint, started, 'no-key', `No key is set for ${endpoint.name}: set one first, then test again.`)
  }
  const client = new OpenAI({
    apiKey: key ?? NO_KEY_PLACEHOLDER,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: where,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 10_000,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  try {
    // The raw response: the SDK's page quietly turns a body without `data` into an empty list.
    const response = await client.models.list().asResponse()
    let body: unknown = null
    try {
      body = await response.json()
    } catch {
      body = null
    }
    const data: unknown = (body as { data?: unknown } | null)?.data
    if (!Array.isArray(data)) {
      return result(
        endpoint,
        started,
        'not-openai-compatible',
        `${where}/models answered, but not with an OpenAI-style model list: is this an OpenAI-compatible base URL (it usually ends in /v1)?`,
        200,
      )
    }
    const models = data
      .map((m) => (typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string' ? (m as { id: string }).id : null))
      .filter((id): id is string => id !== null)
      .sort()
      .slice(0, MAX_MODELS)
    const keyNote = key === null ? ' without a key' : ''
    return result(endpoint, started, 'ok', `Connected to ${endpoint.name}${keyNote}: ${data.length} model${data.length === 1 ? '' : 's'} listed.`, 200, models)
  } catch (error) {
    return classify(endpoint, started, error, key !== null)
  }
}

function classify(endpoint: EndpointConfig, started: number, error: unknown, hadKey: boolean): ConnectionTestResult {
  const where = endpoint.baseURL
  if (error instanceof APIConnectionTimeoutError) {
    return result(endpoint, started, 'unreachable', `No answer from ${where} in time: check the address and your network.`)
  }
  if (error instanceof APIConnectionError) {
    return result(endpoint, started, 'unreachable', `Could not reach ${where}: ${describeNetworkError(error.cause ?? error)}.`)
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status
    if (status === 401 || status === 403) {
      const message = hadKey
        ? `The endpoint refused the key (HTTP ${status}): check it, or set a new one.`
        : `The endpoint needs a key (HTTP ${status}): set one first, then test again.`
      return result(endpoint, started, hadKey ? 'bad-key' : 'no-key', message, status)
    }
    if (status === 404 || status === 405) {
      return result(
        endpoint,
        started,
        'not-openai-compatible',
        `${where}/models does not exist (HTTP ${status}): is this an OpenAI-compatible base URL (it usually ends in /v1)?`,
        status,
      )
    }
    if (status === 429)
      return result(endpoint, started, 'rate-limited', 'The endpoint is rate-limiting requests (HTTP 429): the address answers; try again in a moment.', status)
    if (status >= 500) return result(endpoint, started, 'server-error', `The endpoint had a server error (HTTP ${status}): try again later.`, status)
    return result(endpoint, started, 'error', `The endpoint answered HTTP ${status} to a model list request.`, status)
  }
  if (error instanceof SyntaxError) {
    return result(endpoint, started, 'not-openai-compatible', `${where}/models did not answer with JSON: is this an OpenAI-compatible base URL?`)
  }
  return result(endpoint, started, 'error', 'The connection test failed for an unexpected reason (see the RouteLLM log).')
}
