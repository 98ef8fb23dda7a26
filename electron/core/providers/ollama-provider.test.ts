// An Ollama endpoint's whole answer (a gateway client that asked for plain JSON): one
// non-streamed /api/chat through the bridge, failing exactly as a stream that failed before
// its first token. Against the Ollama protocol double.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { splitTokens } from '../../../e2e/doubles/http-double'
import { startOllamaDouble, type Fault, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
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
