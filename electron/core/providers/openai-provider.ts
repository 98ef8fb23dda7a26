import OpenAI from 'openai'
import type { ChatCompletionChunk } from 'openai/resources/chat/completions'
import type { EndpointConfig } from '../../../shared/endpoints'
import { classifyOpenAIError } from './errors'
import { createPooledFetch } from './pooled-fetch'
import { SseParser, type SseEvent } from './sse-events'
import { ProviderError, type CompleteRequest, type Provider, type StreamChunk, type StreamRequest } from './types'

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
   * iterator costs several async steps per event, a large share of a small answer's CPU time).
   */
  async *stream(request: StreamRequest): AsyncGenerator<StreamChunk> {
    const { signal } = request
    try {
      const response = await this.client.chat.completions
        .create({ model: request.model, messages: request.messages, stream: true, stream_options: { include_usage: true } }, { signal })
        .asResponse()
      if (!response.body) throw new ProviderError('unavailable', `${this.endpoint.id}: the answer had no body`)
      const parser = new SseParser()
      const read = { done: false }
      const body = response.body as unknown as AsyncIterable<Uint8Array>
      for await (const bytes of body) {
        const { value, broken } = this.chunkOf(parser.push(bytes), response.headers, read)
        if (value) yield value
        if (broken) throw broken
      }
      const { value, broken } = this.chunkOf(parser.end(), response.headers, read)
      if (value) yield value
      if (broken) throw broken
    } catch (error) {
      throw error instanceof ProviderError ? error : classifyOpenAIError(error, this.endpoint, this.secrets, signal)
    }
    // A stop can end the body quietly: our own signal tells us it did not finish.
    if (signal.aborted) throw new ProviderError('aborted', 'generation stopped')
  }

  /**
   * A non-streamed call: the upstream answers in one JSON body, read whole. The SDK's timeout
   * is raised to the answer's deadline for this call (its default covers only the wait for a
   * stream's headers); the caller's guard enforces the deadline with a clear message.
   */
  async complete(request: CompleteRequest): Promise<StreamChunk> {
    const { signal } = request
    try {
      const answer = await this.client.chat.completions.create(
        { model: request.model, messages: request.messages, stream: false },
        { signal, timeout: request.timeoutMs },
      )
      const choice = answer.choices[0]
      const usage = answer.usage ? { inputTokens: answer.usage.prompt_tokens, outputTokens: answer.usage.completion_tokens } : undefined
      return { text: choice?.message.content ?? '', ...(usage ? { usage } : {}), ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}) }
    } catch (error) {
      throw classifyOpenAIError(error, this.endpoint, this.secrets, signal)
    }
  }

  /**
   * One chunk from the events one read completed: their deltas joined, the usage and finish
   * reason if one came. The text before a broken event (bad JSON, an error sent inside the
   * stream) still reaches the user: the error is returned beside it, to be thrown after.
   */
  private chunkOf(events: SseEvent[], headers: Headers, read: { done: boolean }): { value: StreamChunk | null; broken: unknown } {
    let text = ''
    let usage: StreamChunk['usage']
    let finishReason: string | undefined
    for (const { data } of events) {
      // Anything after [DONE] is ignored, as the SDK does.
      if (read.done || data.startsWith('[DONE]')) {
        read.done = true
        continue
      }
      let chunk: Partial<ChatCompletionChunk> & { error?: unknown }
      try {
        chunk = JSON.parse(data) as typeof chunk
      } catch (error) {
        return { value: text ? { text } : null, broken: error }
      }
      // An error sent inside the stream, raised the way the SDK raises it.
      if (chunk.error) return { value: text ? { text } : null, broken: new OpenAI.APIError(undefined, chunk.error as object, undefined, headers) }
      const choice = chunk.choices?.[0]
      text += choice?.delta?.content ?? ''
      if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 }
      finishReason = choice?.finish_reason ?? finishReason
    }
    const value = text || usage || finishReason ? { text, ...(usage ? { usage } : {}), ...(finishReason ? { finishReason } : {}) } : null
    return { value, broken: null }
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
