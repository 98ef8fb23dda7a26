import OpenAI from 'openai'
import type { ChatCompletionChunk } from 'openai/resources/chat/completions'
import type { EndpointConfig } from '../../../shared/endpoints'
import { classifyOpenAIError } from './errors'
import { createPooledFetch } from './pooled-fetch'
import { sseEventBatches } from './sse-events'
import { ProviderError, type Provider, type StreamChunk, type StreamRequest } from './types'

export interface OpenAIProviderOptions {
  /** Time allowed until the response headers (the SDK's own timeout); the stream guard covers the body. */
  requestTimeoutMs: number
  /** Replaces the pooled keep-alive fetch (tests inject network failures with it). */
  fetch?: typeof fetch
}

/** One connection pool for every cloud client of the process: a client rebuilt after a key change keeps the warm connections. */
let sharedFetch: typeof fetch | null = null

/**
 * Any OpenAI-compatible endpoint (OpenAI, Featherless, OpenRouter, a custom server) through
 * the official SDK with `baseURL`. The SDK never retries (maxRetries 0): the router owns
 * retries and failover. The key lives only inside the SDK client built here.
 */
export class OpenAIProvider implements Provider {
  private readonly client: OpenAI
  private readonly secrets: string[]

  constructor(
    readonly endpoint: EndpointConfig,
    apiKey: string | null,
    options: OpenAIProviderOptions,
  ) {
    this.secrets = apiKey ? [apiKey] : []
    this.client = new OpenAI({
      // A keyless custom server (a local vLLM, LM Studio) still needs a non-empty value for the SDK.
      apiKey: apiKey ?? 'no-key',
      baseURL: endpoint.baseURL,
      maxRetries: 0,
      timeout: options.requestTimeoutMs,
      // Never inherit OpenAI-specific settings from the environment for another provider.
      organization: null,
      project: null,
      // The SDK's logger would print chunks and request details; errors reach us as exceptions.
      logLevel: 'off',
      fetch: options.fetch ?? (sharedFetch ??= createPooledFetch()),
    })
  }

  /**
   * The SDK sends the request and raises HTTP errors; the event stream is read here, one step
   * per network read: the deltas that arrived together leave as one chunk (the SDK's own
   * iterator costs several async steps per event, most of a small answer's CPU time).
   */
  async *stream(request: StreamRequest): AsyncGenerator<StreamChunk> {
    const { signal } = request
    try {
      const response = await this.client.chat.completions
        .create({ model: request.model, messages: request.messages, stream: true, stream_options: { include_usage: true } }, { signal })
        .asResponse()
      if (!response.body) throw new ProviderError('unavailable', `${this.endpoint.id}: the answer had no body`)
      let done = false
      for await (const events of sseEventBatches(response.body as unknown as AsyncIterable<Uint8Array>)) {
        let text = ''
        let usage: StreamChunk['usage']
        let finishReason: string | undefined
        let broken: unknown = null
        for (const { data } of events) {
          if (done || data.startsWith('[DONE]')) {
            done = true
            continue
          }
          try {
            const chunk = JSON.parse(data) as Partial<ChatCompletionChunk> & { error?: unknown }
            // An error sent inside the stream, raised the way the SDK raises it.
            if (chunk.error) throw new OpenAI.APIError(undefined, chunk.error as object, undefined, response.headers)
            const choice = chunk.choices?.[0]
            text += choice?.delta?.content ?? ''
            if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 }
            finishReason = choice?.finish_reason ?? finishReason
          } catch (error) {
            broken = error
            break
          }
        }
        if (text || usage || finishReason) yield { text, ...(usage ? { usage } : {}), ...(finishReason ? { finishReason } : {}) }
        // The text that came before a broken event still reaches the user first.
        if (broken) throw broken
      }
    } catch (error) {
      throw error instanceof ProviderError ? error : classifyOpenAIError(error, this.endpoint, this.secrets, signal)
    }
    // A stop can end the body quietly: our own signal tells us it did not finish.
    if (signal.aborted) throw new ProviderError('aborted', 'generation stopped')
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    try {
      const ids: string[] = []
      for await (const model of this.client.models.list(signal ? { signal } : {})) ids.push(model.id)
      return ids
    } catch (error) {
      throw classifyOpenAIError(error, this.endpoint, this.secrets, signal)
    }
  }
}
