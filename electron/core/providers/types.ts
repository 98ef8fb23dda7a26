import type { Tier } from '../../../shared/decision'
import type { EndpointConfig } from '../../../shared/endpoints'
import type { ErrorClass } from '../../../shared/health'

/** One concrete place a prompt can be answered: a model on an endpoint. The bandit picks among arms. */
export interface Arm {
  endpoint: string
  model: string
  tier: Tier
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface StreamRequest {
  model: string
  messages: ChatMessage[]
  /** Aborting stops the upstream request; the stream then throws ProviderError('aborted'). */
  signal: AbortSignal
}

/** A whole-answer request: `timeoutMs` is the deadline for all of it (the client's own timer must not cut it first). */
export interface CompleteRequest extends StreamRequest {
  timeoutMs: number
}

/** A piece of a streamed answer. `usage` comes once, near the end, when the upstream reports it. */
export interface StreamChunk {
  text: string
  usage?: { inputTokens: number; outputTokens: number }
  finishReason?: string
}

/**
 * One endpoint's client. `stream` throws only ProviderError, already classified; it never
 * retries (the router owns retries and failover).
 */
export interface Provider {
  readonly endpoint: EndpointConfig
  stream(request: StreamRequest): AsyncIterable<StreamChunk>
  /**
   * The answer in one piece from a non-streamed upstream call (one read instead of one per
   * delta), for a caller that shows nothing before the end anyway. Throws only ProviderError.
   * Providers without it are streamed and joined.
   */
  complete?(request: CompleteRequest): Promise<StreamChunk>
  /** Model ids the endpoint serves (a cheap authenticated call: "test connection"). */
  listModels(signal?: AbortSignal): Promise<string[]>
}

/**
 * A classified failure of one attempt. The message is safe to show: it never holds a key,
 * and upstream text in it has been redacted and shortened.
 */
export class ProviderError extends Error {
  override name = 'ProviderError'
  readonly retryAfterMs: number | undefined
  readonly status: number | undefined
  /** The endpoint is certainly down (connection refused, host not found): open the circuit at once. */
  readonly unreachable: boolean

  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    options: { retryAfterMs?: number; status?: number; unreachable?: boolean } = {},
  ) {
    super(message)
    this.retryAfterMs = options.retryAfterMs
    this.status = options.status
    this.unreachable = options.unreachable ?? false
  }
}
