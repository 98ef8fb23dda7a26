// An Ollama endpoint's whole answer (a gateway client that asked for plain JSON): one
// non-streamed /api/chat through the bridge, failing exactly as a stream that failed before
// its first token, on its own and through the chat flow. Against the protocol doubles.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { estimateTokens, splitTokens } from '../../../e2e/doubles/http-double'
import { startOllamaDouble, type Fault, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, FakeClock, ollamaEndpoint, type Harness } from '../../../test/support/chat-harness'
import type { Timeouts } from './registry'
import { EndpointConfig } from '../../../shared/endpoints'
import { OllamaBridge } from '../ollama/bridge'
import { OllamaProvider } from './ollama-provider'
import { ProviderError, type StreamChunk } from './types'

const REPLY = 'A local answer in one piece.'

let ollama: OllamaDouble
beforeEach(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => REPLY })
})
afterEach(() => ollama.close())

const endpoint = () => EndpointConfig.parse({ id: 'ollama', name: 'Ollama', provider: 'ollama', baseURL: ollama.url, tier: 'local', models: [] })
const provider = () => new OllamaProvider(endpoint(), new OllamaBridge({ hosts: [ollama.url], probeTimeoutMs: 10_000 }), { keepAlive: '30m' })
const request = (model = 'llama3.2:3b', signal = new AbortController().signal) => ({
  model,
  messages: [{ role: 'user' as const, content: 'Explain recursion' }],
  signal,
  timeoutMs: 60_000,
})

async function streamFailure(model?: string, signal?: AbortSignal): Promise<ProviderError> {
  try {
    for await (const chunk of provider().stream(request(model, signal))) expect(chunk.text).toBe('') // no text may arrive before the failure
  } catch (error) {
    return error as ProviderError
  }
  throw new Error('expected the stream to fail')
}

async function completeFailure(model?: string, signal?: AbortSignal): Promise<ProviderError> {
  const error = await provider()
    .complete(request(model, signal))
    .then(() => new Error('expected the whole answer to fail'))
    .catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ProviderError)
  return error as ProviderError
}

const classOf = (e: ProviderError) => ({ errorClass: e.errorClass, status: e.status, unreachable: e.unreachable, retryAfterMs: e.retryAfterMs })

describe('OllamaProvider.complete', () => {
  it("asks for one non-streamed answer with the endpoint's keep_alive, and returns Ollama's counts and done_reason", async () => {
    const answer: StreamChunk = await provider().complete(request())
    const chats = ollama.requestsTo('/api/chat')
    expect(chats).toHaveLength(1)
    expect(chats[0]!.body).toMatchObject({ model: 'llama3.2:3b', stream: false, keep_alive: '30m' })
    expect(answer).toEqual({ text: REPLY, usage: { inputTokens: expect.any(Number), outputTokens: splitTokens(REPLY).length }, finishReason: 'stop' })
  })

  const faults: Array<[string, Fault | 'missing model' | 'stopped' | 'aborted', Partial<ReturnType<typeof classOf>>]> = [
    ['a model Ollama does not have', 'missing model', { errorClass: 'model-missing', status: 404 }],
    ['a runner that crashed (500)', { kind: 'serverError', status: 500 }, { errorClass: 'unavailable', status: 500 }],
    ['a server at capacity (503)', { kind: 'serverError', status: 503 }, { errorClass: 'unavailable', status: 503 }],
    ['rate limiting (429)', { kind: 'rateLimit', retryAfterSeconds: 2 }, { errorClass: 'rate-limited', status: 429 }],
    [
      'a prompt longer than the context',
      { kind: 'serverError', status: 400, message: 'input length exceeds the context length' },
      { errorClass: 'context-length', status: 400 },
    ],
    ['a refused request (400)', { kind: 'serverError', status: 400, message: 'invalid options' }, { errorClass: 'bad-request', status: 400 }],
    ['a socket dropped before the answer', { kind: 'disconnect' }, { errorClass: 'unavailable', unreachable: false }],
    ['Ollama stopped', 'stopped', { errorClass: 'unavailable', unreachable: true }],
    ['a caller that already stopped', 'aborted', { errorClass: 'aborted' }],
  ]

  it.each(faults)('classifies %s exactly as the streaming path does', async (_name, fault, expected) => {
    const model = fault === 'missing model' ? 'gone:7b' : undefined
    const signal = fault === 'aborted' ? AbortSignal.abort() : undefined
    if (fault === 'stopped') await ollama.stop()
    // Once for each kind of call, and only on the chat: a failed probe would hide the chat's own error.
    else if (typeof fault === 'object') ollama.setFault({ ...fault, times: 2, paths: ['/api/chat'] })
    const streamed = classOf(await streamFailure(model, signal))
    const whole = classOf(await completeFailure(model, signal))
    expect(whole).toEqual(streamed)
    expect(whole).toMatchObject(expected)
  })

  it('calls a body that is not JSON malformed, and keeps the address that answered', async () => {
    const local = provider()
    ollama.setFault({ kind: 'malformedChunk', times: 1, paths: ['/api/chat'] })
    expect(await local.complete(request()).catch((e: unknown) => e)).toMatchObject({ errorClass: 'malformed' })
    const probes = ollama.requestsTo('/api/version').length
    expect((await local.complete(request())).text).toBe(REPLY)
    expect(ollama.requestsTo('/api/version')).toHaveLength(probes)
  })

  it('ends as aborted when the caller stops while Ollama is still generating', async () => {
    ollama.setFault({ kind: 'stall' })
    const controller = new AbortController()
    const arrived = new Promise<void>((resolve) => (ollama.reply = () => (resolve(), 'never sent')))
    const pending = provider().complete(request(undefined, controller.signal))
    await arrived
    controller.abort()
    await expect(pending).rejects.toMatchObject({ errorClass: 'aborted' })
  })
})

describe('whole answers from Ollama through the chat flow', () => {
  const KEY = 'sk-test-double'
  const CLOUD_REPLY = 'The cloud answered instead.'
  let cloud: OpenAIDouble
  let h: Harness
  beforeEach(async () => {
    cloud = await startOpenAIDouble({ apiKey: KEY, models: ['model-a'], reply: () => CLOUD_REPLY })
  })
  afterEach(async () => {
    h.close()
    await cloud.close()
  })

  // Generous clocks: a healthy answer never meets them, however loaded the machine.
  const GENEROUS: Timeouts = { firstTokenMs: { local: 60_000, cloud: 60_000 }, idleMs: 60_000, answerMs: { local: 60_000, cloud: 60_000 } }
  async function setup(localModels: string[] = [], timeouts: Timeouts = GENEROUS): Promise<void> {
    h = createHarness({
      endpoints: [ollamaEndpoint(ollama.url, localModels), cloudEndpoint('a', cloud.url, ['model-a'])],
      keys: { a: KEY },
      route: { tier: 'local' },
      ollamaUrl: ollama.url,
      clock: new FakeClock(),
      env: { ROUTELLM_OLLAMA_KEEP_ALIVE: '30m' },
      timeouts,
    })
    await h.stack.registry.refreshLocal()
  }

  async function generate(options: { whole?: boolean; signal?: AbortSignal } = {}) {
    const tokens: string[] = []
    const result = await h.chat.generate({ prompt: 'Explain recursion' }, { whole: options.whole ?? true, onToken: (t) => tokens.push(t), ...options })
    return { result, tokens }
  }

  const chatBodies = () =>
    ollama.requestsTo('/api/chat').map((r) => r.body as { model: string; stream?: boolean; keep_alive?: string; messages: { content: string }[] })

  it("answers from one non-streamed /api/chat with the endpoint's keep_alive, with Ollama's own token counts", async () => {
    await setup()
    const { result, tokens } = await generate()
    expect(result).toMatchObject({ phase: 'done', servedBy: { endpoint: 'ollama', model: 'llama3.2:3b' } })
    expect(tokens).toEqual([REPLY])
    const bodies = chatBodies()
    expect(bodies).toHaveLength(1)
    expect(bodies[0]).toMatchObject({ stream: false, keep_alive: '30m' })
    // The double's counts (its prompt estimate, one per reply piece), not the chars/4 estimate used without usage.
    const outputTokens = splitTokens(REPLY).length
    expect(outputTokens).not.toBe(Math.ceil(REPLY.length / 4))
    const inputTokens = estimateTokens(bodies[0]!.messages.map((m) => m.content).join(''))
    expect(result.usage).toMatchObject({ inputTokens, outputTokens })
    expect(h.outcomes.at(-1)).toMatchObject({ ok: true, ttftMs: null, inputTokens, outputTokens })
  })

  it.each([
    ['a whole answer', true],
    ['a stream', false],
  ])('fails over from a model Ollama does not have before any text: %s', async (_name, whole) => {
    await setup(['gone:7b', 'llama3.2:3b'])
    const { result, tokens } = await generate({ whole })
    expect(result).toMatchObject({
      phase: 'done',
      servedBy: { model: 'llama3.2:3b' },
      hops: [{ endpoint: 'ollama', model: 'gone:7b', error: 'model-missing' }],
    })
    expect(tokens.join('')).toBe(REPLY)
    expect(chatBodies().map((b) => [b.model, b.stream])).toEqual([
      ['gone:7b', !whole],
      ['llama3.2:3b', !whole],
    ])
  })

  it('ends as aborted, with no text, when the caller stops while Ollama is generating', async () => {
    await setup()
    ollama.setFault({ kind: 'stall', paths: ['/api/chat'] })
    const arrived = new Promise<void>((resolve) => (ollama.reply = () => (resolve(), 'never sent')))
    const controller = new AbortController()
    const pending = generate({ signal: controller.signal })
    await arrived
    controller.abort()
    const { result, tokens } = await pending
    expect(result.phase).toBe('aborted')
    expect(tokens).toEqual([])
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(0)
  })

  it('gives up on an Ollama that never answers at the whole-answer deadline, and fails over', async () => {
    // Only the stalled arm meets the short deadline: the cloud's stays generous.
    await setup([], { ...GENEROUS, answerMs: { local: 200, cloud: 60_000 } })
    ollama.setFault({ kind: 'stall', paths: ['/api/chat'] })
    const { result, tokens } = await generate()
    expect(result).toMatchObject({ phase: 'done', servedBy: { endpoint: 'a' }, hops: [{ endpoint: 'ollama', error: 'timeout' }] })
    expect(result.hops![0]!.message).toMatch(/no answer within 0.2 s/)
    expect(tokens).toEqual([CLOUD_REPLY])
  })

  it('still streams from Ollama when the caller did not ask for the whole answer', async () => {
    await setup()
    const { result, tokens } = await generate({ whole: false })
    expect(result.phase).toBe('done')
    expect(tokens.join('')).toBe(REPLY)
    expect(chatBodies()).toEqual([expect.objectContaining({ stream: true, keep_alive: '30m' })])
  })
})
