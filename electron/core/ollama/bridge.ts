import { Ollama, type AbortableAsyncIterator, type ChatResponse, type Message, type ModelResponse } from 'ollama'
import type { OllamaModel, OllamaStatus } from '../../../shared/ollama'
import { describeNetworkError, isAbortError } from '../lib/net-errors'
import { candidateHosts, normalizeOllamaHost } from './hosts'
import { errorMessage } from '../../../shared/errors'

export interface OllamaBridgeOptions {
  env?: NodeJS.ProcessEnv
  /** Extra addresses from the user's settings, tried after OLLAMA_HOST. */
  configuredHosts?: () => readonly string[]
  /** How long one probe may take before the address counts as down (default ROUTELLM_OLLAMA_PROBE_TIMEOUT_MS, else 1500). */
  probeTimeoutMs?: number
  /** Only these addresses (an endpoint pinned to one Ollama server); replaces OLLAMA_HOST and the defaults. */
  hosts?: readonly string[]
}

export interface OllamaChatRequest {
  model: string
  messages: Message[]
  signal?: AbortSignal
  /** How long Ollama keeps the model loaded after this request (Ollama's keep_alive). */
  keepAlive?: string | number
  format?: 'json' | Record<string, unknown>
  options?: { temperature?: number; num_predict?: number }
}

/** What Ollama says about a finished answer: its own token counts and why generation ended. */
export interface OllamaAnswerEnd {
  /** Both of Ollama's counts (prompt_eval_count, eval_count); absent when it did not report them. */
  usage?: { inputTokens: number; outputTokens: number }
  /** Ollama's done_reason: "stop", "length", … */
  doneReason?: string
}

export interface OllamaChatChunk extends OllamaAnswerEnd {
  text: string
  done: boolean
}

/** A whole answer from one non-streamed call. */
export interface OllamaAnswer extends OllamaAnswerEnd {
  text: string
}

export interface OllamaCompleteRequest extends OllamaChatRequest {
  /**
   * The HTTP client for this call (default: the global fetch). Ollama sends a non-streamed
   * answer's headers only once the answer is done, and the global fetch gives up on headers
   * after 300 s, so a caller with a longer deadline passes a fetch without that limit.
   */
  transport?: typeof fetch
}

/** Ollama could not be reached, or answered with an error; the message is safe to show. */
export class OllamaError extends Error {
  override name = 'OllamaError'
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'upstream' | 'aborted',
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The end of an answer as Ollama reported it (the last streamed part, or the whole non-streamed one). */
function answerEnd(response: ChatResponse): OllamaAnswerEnd {
  const { prompt_eval_count: input, eval_count: output, done_reason: reason } = response
  return {
    ...(typeof input === 'number' && typeof output === 'number' ? { usage: { inputTokens: input, outputTokens: output } } : {}),
    ...(reason ? { doneReason: reason } : {}),
  }
}

/** The request body both kinds of chat send, so a streamed and a non-streamed call ask for the same thing. */
function chatBody(request: OllamaChatRequest) {
  return {
    model: request.model,
    messages: request.messages,
    ...(request.keepAlive !== undefined ? { keep_alive: request.keepAlive } : {}),
    ...(request.format ? { format: request.format } : {}),
    ...(request.options ? { options: request.options } : {}),
  }
}

function toModel(m: ModelResponse): OllamaModel {
  return {
    name: m.name,
    size: m.size,
    family: m.details?.family || null,
    parameterSize: m.details?.parameter_size || null,
    quantization: m.details?.quantization_level || null,
    modifiedAt: m.modified_at ? new Date(m.modified_at).toISOString() : null,
    digest: m.digest || null,
  }
}

/**
 * The engine's only door to Ollama, built on the official `ollama` client. It finds the
 * server (OLLAMA_HOST, the user's hosts, then the defaults, probed in parallel), remembers
 * which address answered, and streams chats as abortable async iterators or answers them whole.
 */
export class OllamaBridge {
  private status: OllamaStatus | null = null
  private probing: Promise<OllamaStatus> | null = null
  private readonly env: NodeJS.ProcessEnv
  private readonly probeTimeoutMs: number

  constructor(private readonly options: OllamaBridgeOptions = {}) {
    this.env = options.env ?? process.env
    const fromEnv = Number(this.env.ROUTELLM_OLLAMA_PROBE_TIMEOUT_MS)
    this.probeTimeoutMs = options.probeTimeoutMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1500)
  }

  /** The last detection result, probing first if there is none (or when asked to refresh). */
  async detect(refresh = false): Promise<OllamaStatus> {
    if (this.status && !refresh) return this.status
    // Concurrent callers share one probe instead of stampeding every address.
    this.probing ??= this.probe().finally(() => {
      this.probing = null
    })
    this.status = await this.probing
    return this.status
  }

  /** The address that answered last, or null when Ollama was not detected. */
  get host(): string | null {
    return this.status?.detected ? this.status.host : null
  }

  /** A client for the quick calls (version, tags, ps): each gives up after `timeoutMs`. */
  private client(host: string, timeoutMs: number): Ollama {
    return new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }) })
  }

  private async probe(): Promise<OllamaStatus> {
    const hosts = this.options.hosts
      ? [...new Set(this.options.hosts.map(normalizeOllamaHost))]
      : candidateHosts(this.env, this.options.configuredHosts?.() ?? [])
    const results = await Promise.all(
      hosts.map(async (host) => {
        try {
          const { version } = await this.client(host, this.probeTimeoutMs).version()
          return { host, version, error: null }
        } catch (error) {
          return { host, version: null, error: describeNetworkError(error) }
        }
      }),
    )
    const tried = results.map((r) => ({ host: r.host, ok: r.version !== null, error: r.error }))
    const winner = results.find((r) => r.version !== null)
    if (!winner || winner.version === null) return { detected: false, tried }
    let models: OllamaModel[] = []
    const client = this.client(winner.host, this.probeTimeoutMs)
    const [tags, ps] = await Promise.allSettled([client.list(), client.ps()])
    if (tags.status === 'fulfilled') models = tags.value.models.map(toModel)
    else tried.push({ host: `${winner.host}/api/tags`, ok: false, error: describeNetworkError(tags.reason) })
    const loaded = ps.status === 'fulfilled' ? ps.value.models.map((m) => m.name) : []
    return { detected: true, host: winner.host, version: winner.version, models, loaded, tried }
  }

  private async requireHost(): Promise<string> {
    const status = await this.detect()
    if (status.detected) return status.host
    const where = status.tried.map((t) => `${t.host} (${t.error ?? 'no answer'})`).join(', ')
    throw new OllamaError(`Ollama is not running or not reachable. Tried ${where}. Start it with \`ollama serve\` or set OLLAMA_HOST.`, 'unreachable')
  }

  /**
   * A client whose every request stops when `signal` aborts. ollama-js wires its own abort
   * into a stream's fetch only once the response headers arrived (a model that is slow to load
   * delays them), and gives a non-streamed call's fetch no signal at all.
   */
  private clientFor(host: string, signal: AbortSignal | undefined, transport: typeof fetch = fetch): Ollama {
    if (!signal) return new Ollama({ host, fetch: transport })
    return new Ollama({ host, fetch: (input, init) => transport(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }) })
  }

  /** Stream a chat. Aborting `signal` stops the upstream request; the iterator then throws OllamaError('aborted'). */
  async *chat(request: OllamaChatRequest): AsyncGenerator<OllamaChatChunk> {
    const host = await this.requireHost()
    let stream: AbortableAsyncIterator<ChatResponse> | undefined
    const onAbort = () => stream?.abort()
    request.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (request.signal?.aborted) throw new OllamaError('generation stopped', 'aborted')
      stream = await this.clientFor(host, request.signal).chat({ ...chatBody(request), stream: true })
      for await (const part of stream) {
        yield { text: part.message?.content ?? '', done: part.done, ...(part.done ? answerEnd(part) : {}) }
      }
    } catch (error) {
      throw this.translate(error, host, request.signal)
    } finally {
      request.signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * One non-streamed chat: Ollama answers with a single JSON object once generation is done.
   * Aborting `signal` stops the request (OllamaError('aborted')); failures are translated as
   * for a stream, so callers classify both the same way.
   */
  async complete(request: OllamaCompleteRequest): Promise<OllamaAnswer> {
    const host = await this.requireHost()
    try {
      if (request.signal?.aborted) throw new OllamaError('generation stopped', 'aborted')
      const response = await this.clientFor(host, request.signal, request.transport).chat({ ...chatBody(request), stream: false })
      return { text: response.message?.content ?? '', ...answerEnd(response) }
    } catch (error) {
      throw this.translate(error, host, request.signal)
    }
  }

  /** Names of the models Ollama holds in memory now (/api/ps); empty when unreachable. */
  async loaded(): Promise<string[]> {
    const host = this.host
    if (!host) return []
    try {
      return (await this.client(host, this.probeTimeoutMs).ps()).models.map((m) => m.name)
    } catch {
      return []
    }
  }

  private translate(error: unknown, host: string, signal?: AbortSignal): OllamaError {
    if (error instanceof OllamaError) return error
    if (signal?.aborted || isAbortError(error)) return new OllamaError('generation stopped', 'aborted')
    const status = (error as { status_code?: number }).status_code
    if (typeof status === 'number') {
      // Ollama's own error text ("model 'x' not found, try pulling it first") is meant for users.
      return new OllamaError(`Ollama at ${host} answered ${status}: ${errorMessage(error)}`, 'upstream', status, { cause: error })
    }
    // A whole answer that is not JSON came from a server that answered: no reason to look for it again.
    if (error instanceof SyntaxError) return new OllamaError(`Ollama at ${host} sent an answer that is not JSON`, 'upstream', undefined, { cause: error })
    // The address stopped answering: forget it so the next call probes again.
    if (this.status?.detected && this.status.host === host) this.status = null
    return new OllamaError(`Ollama at ${host} failed: ${describeNetworkError(error)}`, 'unreachable', undefined, { cause: error })
  }
}
