import type { EndpointConfig } from '../../../shared/endpoints'
import type { OllamaModel } from '../../../shared/ollama'
import type { OllamaAnswerEnd, OllamaBridge, OllamaChatRequest } from '../ollama/bridge'
import { classifyOllamaError } from './errors'
import { createPooledFetch } from './pooled-fetch'
import type { CompleteRequest, Provider, StreamChunk, StreamRequest } from './types'

export interface OllamaProviderOptions {
  /** Ollama's keep_alive for chat requests (e.g. "30m"); undefined = Ollama's default. */
  keepAlive?: string | number
}

/** One node:http connection pool for every Ollama endpoint's whole answers (see `complete`). */
let wholeAnswerFetch: typeof fetch | null = null

/** The usage and finish reason of an answer's end, as a provider chunk carries them. */
function endOf(end: OllamaAnswerEnd): Omit<StreamChunk, 'text'> {
  return { ...(end.usage ? { usage: end.usage } : {}), ...(end.doneReason ? { finishReason: end.doneReason } : {}) }
}

/**
 * A local Ollama endpoint, through the engine's one door to Ollama (the bridge). The bridge
 * remembers which address answered; when it last found nothing, a new attempt (which the
 * health breaker allowed) probes again first, so a restarted Ollama is found at once.
 */
export class OllamaProvider implements Provider {
  /** The models seen at the last successful detection: arms stay listed while Ollama is down. */
  private knownModels: OllamaModel[] = []
  private loadedModels: string[] = []

  constructor(
    readonly endpoint: EndpointConfig,
    readonly bridge: OllamaBridge,
    private readonly options: OllamaProviderOptions = {},
  ) {}

  /** Probe (again) and remember the installed and loaded models. */
  async refresh(force = true): Promise<void> {
    const status = await this.bridge.detect(force)
    if (status.detected) {
      this.knownModels = status.models
      this.loadedModels = status.loaded ?? []
    }
  }

  get detected(): boolean {
    return this.bridge.host !== null
  }

  get models(): readonly OllamaModel[] {
    return this.knownModels
  }

  get loaded(): readonly string[] {
    return this.loadedModels
  }

  async *stream(request: StreamRequest): AsyncGenerator<StreamChunk> {
    try {
      if (!this.bridge.host) await this.refresh(true)
      for await (const chunk of this.bridge.chat(this.chatRequest(request))) {
        yield { text: chunk.text, ...(chunk.done ? { finishReason: 'stop', ...endOf(chunk) } : {}) }
      }
    } catch (error) {
      throw classifyOllamaError(error, this.endpoint, request.signal)
    }
  }

  /**
   * The answer from one non-streamed call, failing the way a stream that failed before its
   * first token does. Ollama sends such an answer's headers only once it is done, and the
   * global fetch gives up on headers after 300 s, before a local answer's deadline (320 s by
   * default, enforced by the caller's guard): so this call goes through a node:http fetch,
   * which has no clock of its own.
   */
  async complete(request: CompleteRequest): Promise<StreamChunk> {
    try {
      if (!this.bridge.host) await this.refresh(true)
      const answer = await this.bridge.complete({ ...this.chatRequest(request), transport: (wholeAnswerFetch ??= createPooledFetch()) })
      return { text: answer.text, ...endOf(answer) }
    } catch (error) {
      throw classifyOllamaError(error, this.endpoint, request.signal)
    }
  }

  /** What both kinds of call ask Ollama for: the endpoint's keep_alive applies to each. */
  private chatRequest(request: StreamRequest): OllamaChatRequest {
    return {
      model: request.model,
      messages: request.messages,
      signal: request.signal,
      ...(this.options.keepAlive !== undefined ? { keepAlive: this.options.keepAlive } : {}),
    }
  }

  async listModels(): Promise<string[]> {
    await this.refresh(true)
    return this.knownModels.map((m) => m.name)
  }
}

const EMBEDDING = /embed|bge|minilm|e5-|gte-|nomic-bert|bert/i

function paramsBillions(model: OllamaModel): number | null {
  const match = /([\d.]+)\s*([BM])/i.exec(model.parameterSize ?? '') ?? /:(\d+(?:\.\d+)?)([bm])\b/i.exec(model.name)
  if (!match?.[1]) return null
  const n = Number(match[1])
  return match[2]?.toUpperCase() === 'M' ? n / 1000 : n
}

/**
 * The local model to answer with when none is configured: a model Ollama already holds in
 * memory (no load wait), otherwise the largest chat model up to `maxBillions` parameters
 * (the best answer a laptop gives at a usable speed), otherwise the smallest one.
 * Embedding models never answer chats.
 */
export function chooseDefaultLocalModel(models: readonly OllamaModel[], loaded: readonly string[], maxBillions = 14): string | null {
  const chat = models.filter((m) => !EMBEDDING.test(m.name) && !EMBEDDING.test(m.family ?? ''))
  if (chat.length === 0) return null
  const warm = chat.find((m) => loaded.includes(m.name))
  if (warm) return warm.name
  const sized = chat.map((m) => ({ m, b: paramsBillions(m) ?? m.size / 1e9 }))
  const fitting = sized.filter((x) => x.b <= maxBillions).sort((a, b) => b.b - a.b)
  if (fitting[0]) return fitting[0].m.name
  return sized.sort((a, b) => a.b - b.b)[0]?.m.name ?? null
}
