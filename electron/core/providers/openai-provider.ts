import OpenAI from 'openai'
import type { EndpointConfig } from '../../../shared/endpoints'
import { classifyOpenAIError } from './errors'
import { createPooledFetch } from './pooled-fetch'
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

  async *stream(request: StreamRequest): AsyncGenerator<StreamChunk> {
    const { signal } = request
    try {
      const stream = await this.client.chat.completions.create(
        { model: request.model, messages: request.messages, stream: true, stream_options: { include_usage: true } },
        { signal },
      )
      for await (const chunk of stream) {
        const choice = chunk.choices[0]
        const text = choice?.delta?.content ?? ''
        const usage = chunk.usage ? { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 } : undefined
        const finishReason = choice?.finish_reason ?? undefined
        if (text || usage || finishReason) {
          yield { text, ...(usage ? { usage } : {}), ...(finishReason ? { finishReason } : {}) }
        }
      }
    } catch (error) {
      throw classifyOpenAIError(error, this.endpoint, this.secrets, signal)
    }
    // openai-node ends an aborted stream quietly: our own signal tells us it did not finish.
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
