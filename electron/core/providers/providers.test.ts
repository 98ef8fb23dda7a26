import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EndpointConfig } from '../../../shared/endpoints'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { OllamaBridge } from '../ollama/bridge'
import { combineSources, EnvEndpointSource, StaticEndpointSource } from './endpoint-source'
import { redact, retryAfterMs } from './errors'
import { chooseDefaultLocalModel, OllamaProvider } from './ollama-provider'
import { OpenAIProvider } from './openai-provider'
import { DEFAULT_TIMEOUTS, timeoutsFromEnv } from './registry'
import { ProviderError, type StreamChunk } from './types'

const KEY = 'sk-test-double'

async function drain(iterable: AsyncIterable<StreamChunk>): Promise<{ text: string; chunks: StreamChunk[] }> {
  const chunks: StreamChunk[] = []
  for await (const c of iterable) chunks.push(c)
  return { text: chunks.map((c) => c.text).join(''), chunks }
}

async function failure(iterable: AsyncIterable<StreamChunk>): Promise<ProviderError> {
  try {
    await drain(iterable)
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError)
    return error as ProviderError
  }
  throw new Error('expected the stream to fail')
}

describe('OpenAIProvider against the OpenAI double', () => {
  let cloud: OpenAIDouble
  const endpoint = (url: string) =>
    EndpointConfig.parse({ id: 'cloud', name: 'Cloud', provider: 'custom', baseURL: url, tier: 'cloud', models: ['gpt-4o-mini'] })
  const provider = (key = KEY) => new OpenAIProvider(endpoint(cloud.url), key, { requestTimeoutMs: 2000 })
  const request = (extra: Partial<{ signal: AbortSignal; model: string; content: string }> = {}) => ({
    model: extra.model ?? 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: extra.content ?? 'hello' }],
    signal: extra.signal ?? new AbortController().signal,
  })

  beforeEach(async () => {
    cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o-mini'], maxPromptChars: 100, reply: () => 'one two three' })
  })
  afterEach(() => cloud.close())

  it('streams text and the usage the endpoint reports, and never lets the SDK retry', async () => {
    cloud.setFault({ kind: 'serverError', status: 500, times: 1 })
    expect((await failure(provider().stream(request()))).errorClass).toBe('unavailable')
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(1)
    const { text, chunks } = await drain(provider().stream(request()))
    expect(text).toBe('one two three')
    expect(chunks.find((c) => c.usage)?.usage).toEqual({ inputTokens: 2, outputTokens: 3 })
    expect(chunks.some((c) => c.finishReason === 'stop')).toBe(true)
  })

  it('classifies each upstream error', async () => {
    expect((await failure(provider('sk-wrong-key-000000').stream(request()))).errorClass).toBe('misconfigured')
    expect((await failure(provider().stream(request({ model: 'gpt-9' })))).errorClass).toBe('model-missing')
    expect((await failure(provider().stream(request({ content: 'x'.repeat(500) })))).errorClass).toBe('context-length')
    cloud.setFault({ kind: 'rateLimit', retryAfterSeconds: 7, times: 1 })
    const limited = await failure(provider().stream(request()))
    expect(limited).toMatchObject({ errorClass: 'rate-limited', retryAfterMs: 7000, status: 429 })
    cloud.setFault({ kind: 'streamError', afterChunks: 0, times: 1 })
    expect((await failure(provider().stream(request()))).errorClass).toBe('stream-error')
    cloud.setFault({ kind: 'serverError', status: 403, times: 1 })
    expect((await failure(provider().stream(request()))).errorClass).toBe('misconfigured')
  })

  it('an abort ends the stream with ProviderError("aborted") even though the SDK ends quietly', async () => {
    cloud.tokenDelayMs = 30
    const controller = new AbortController()
    const stream = provider().stream(request({ signal: controller.signal }))
    const error = await (async () => {
      try {
        for await (const chunk of stream) if (chunk.text) controller.abort()
      } catch (e) {
        return e as ProviderError
      }
      return null
    })()
    expect(error?.errorClass).toBe('aborted')
  })

  it('never repeats the key from a 401 body, and redacts key shapes from upstream text', async () => {
    const canary = 'sk-canary-0123456789abcdef0123456789'
    const error = await failure(provider(canary).stream(request()))
    expect(error.message).not.toContain(canary.slice(-4))
    expect(redact(`bad key ${canary} and sk-proj-abcdef`, [canary])).toBe('bad key [redacted] and [redacted]')
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]')
    // A long upstream message is shortened at a word boundary, never mid-word.
    const long = redact(`upstream said ${'overloaded '.repeat(40)}`)
    expect(long.length).toBeLessThanOrEqual(200)
    expect(long).toMatch(/ overloaded…$/)
  })

  it('lists models (the cheap authenticated call)', async () => {
    expect(await provider().listModels()).toEqual(['gpt-4o-mini'])
  })
})

describe('timeoutsFromEnv', () => {
  it('reads the whole-answer deadlines per tier, keeping the defaults for missing or invalid values', () => {
    expect(timeoutsFromEnv({ ROUTELLM_ANSWER_TIMEOUT_MS: '45000', ROUTELLM_LOCAL_ANSWER_TIMEOUT_MS: '-1' }).answerMs).toEqual({
      cloud: 45_000,
      local: DEFAULT_TIMEOUTS.answerMs.local,
    })
    expect(timeoutsFromEnv({}).answerMs).toEqual(DEFAULT_TIMEOUTS.answerMs)
  })
})

describe('retryAfterMs', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250)
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000)
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000)
    expect(retryAfterMs(new Headers())).toBeUndefined()
  })
})

describe('OllamaProvider', () => {
  let ollama: OllamaDouble
  beforeEach(async () => {
    ollama = await startOllamaDouble({
      models: [
        { name: 'nomic-embed-text', family: 'nomic-bert', parameterSize: '137M' },
        { name: 'qwen2.5:0.5b', parameterSize: '494M' },
        { name: 'llama3.1:8b', parameterSize: '8.0B' },
        { name: 'llama3.3:70b', parameterSize: '70.6B' },
      ],
      reply: () => 'local words here',
    })
  })
  afterEach(() => ollama.close())
  const endpoint = () => EndpointConfig.parse({ id: 'ollama', name: 'Ollama', provider: 'ollama', baseURL: ollama.url, tier: 'local', models: [] })

  it('learns installed and loaded models, and streams with Ollama’s token counts', async () => {
    const provider = new OllamaProvider(endpoint(), new OllamaBridge({ hosts: [ollama.url] }), { keepAlive: '30m' })
    await provider.refresh()
    expect(provider.models.map((m) => m.name)).toContain('llama3.1:8b')
    const { text, chunks } = await drain(
      provider.stream({ model: 'qwen2.5:0.5b', messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal }),
    )
    expect(text).toBe('local words here')
    expect(chunks.at(-1)?.usage?.outputTokens).toBe(3)
    expect(ollama.requestsTo('/api/chat').at(-1)?.body).toMatchObject({ keep_alive: '30m' })
    await provider.refresh()
    expect(provider.loaded).toEqual(['qwen2.5:0.5b'])
  })

  it('chooses a sensible default: a loaded model, else the largest chat model up to 14B, never an embedding model', () => {
    const models = [
      { name: 'nomic-embed-text:latest', size: 1, family: 'nomic-bert', parameterSize: '137M', quantization: null, modifiedAt: null },
      { name: 'qwen2.5:0.5b', size: 1, family: 'qwen2', parameterSize: '494M', quantization: null, modifiedAt: null },
      { name: 'llama3.1:8b', size: 1, family: 'llama', parameterSize: '8.0B', quantization: null, modifiedAt: null },
      { name: 'llama3.3:70b', size: 1, family: 'llama', parameterSize: '70.6B', quantization: null, modifiedAt: null },
    ]
    expect(chooseDefaultLocalModel(models, [])).toBe('llama3.1:8b')
    expect(chooseDefaultLocalModel(models, ['qwen2.5:0.5b'])).toBe('qwen2.5:0.5b')
    expect(chooseDefaultLocalModel(models.slice(3), [])).toBe('llama3.3:70b')
    expect(chooseDefaultLocalModel(models.slice(0, 1), [])).toBeNull()
  })

  it('reports a missing model as model-missing and a stopped server as unavailable', async () => {
    const provider = new OllamaProvider(endpoint(), new OllamaBridge({ hosts: [ollama.url], probeTimeoutMs: 10_000 }))
    const req = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }], signal: new AbortController().signal })
    expect((await failure(provider.stream(req('nope')))).errorClass).toBe('model-missing')
    await ollama.stop()
    expect(await failure(provider.stream(req('qwen2.5:0.5b')))).toMatchObject({ errorClass: 'unavailable', unreachable: true })
  })
})

describe('endpoint sources', () => {
  it('env quick-config: one local and one cloud endpoint, the key only through apiKey()', async () => {
    const source = new EnvEndpointSource({
      OLLAMA_HOST: '127.0.0.1:11500',
      ROUTELLM_CLOUD_BASE_URL: 'https://api.featherless.ai/v1/',
      ROUTELLM_CLOUD_API_KEY: 'sk-env-canary-123456',
      ROUTELLM_CLOUD_MODEL: 'meta-llama/Llama-3.3-70B, qwen/Qwen3-32B',
    })
    expect(source.problems).toEqual([])
    expect(source.list()).toEqual([
      expect.objectContaining({ id: 'ollama', provider: 'ollama', baseURL: 'http://127.0.0.1:11500', tier: 'local', models: [] }),
      expect.objectContaining({
        id: 'cloud',
        provider: 'featherless',
        baseURL: 'https://api.featherless.ai/v1',
        tier: 'cloud',
        models: ['meta-llama/Llama-3.3-70B', 'qwen/Qwen3-32B'],
      }),
    ])
    expect(JSON.stringify(source)).not.toContain('canary')
    expect(JSON.stringify(source.list())).not.toContain('canary')
    expect(await source.apiKey('cloud')).toBe('sk-env-canary-123456')
    expect(await source.apiKey('ollama')).toBeNull()
  })

  it('env quick-config: OpenAI by default when only a key is given; problems named without the key', () => {
    expect(new EnvEndpointSource({ ROUTELLM_CLOUD_API_KEY: 'sk-x' }).list()[1]).toMatchObject({ provider: 'openai', models: ['gpt-4o-mini'] })
    const bad = new EnvEndpointSource({ ROUTELLM_CLOUD_BASE_URL: 'not a url', ROUTELLM_CLOUD_API_KEY: 'sk-secret-value' })
    expect(bad.list()).toHaveLength(1)
    expect(bad.problems.join(' ')).toMatch(/ROUTELLM_CLOUD_BASE_URL/)
    expect(bad.problems.join(' ')).not.toContain('sk-secret-value')
    expect(new EnvEndpointSource({ ROUTELLM_CLOUD_BASE_URL: 'http://gpu.lan:8000/v1' }).problems).toEqual([
      'ROUTELLM_CLOUD_MODEL is not set: the cloud endpoint has no model to use',
    ])
  })

  it('combined sources: the first one owns an id, keys and changes come from the owner', async () => {
    const settings = new StaticEndpointSource(
      [{ id: 'cloud', name: 'Mine', provider: 'openai', baseURL: 'https://api.openai.com/v1', tier: 'cloud', models: ['gpt-4o'] }],
      { cloud: 'sk-settings' },
    )
    const env = new EnvEndpointSource({ ROUTELLM_CLOUD_API_KEY: 'sk-env' })
    const combined = combineSources(settings, env)
    expect(combined.list().map((e) => `${e.id}:${e.name}`)).toEqual(['cloud:Mine', 'ollama:Ollama'])
    expect(await combined.apiKey('cloud')).toBe('sk-settings')
    let changes = 0
    const off = combined.onChange(() => changes++)
    settings.update(undefined, { cloud: 'sk-new' })
    off()
    settings.update(undefined, { cloud: 'sk-newer' })
    expect(changes).toBe(1)
  })
})
