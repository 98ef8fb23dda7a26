// A gateway client that asked for plain JSON and was answered locally gets Ollama's
// non-streamed answer (one /api/chat with stream:false, Ollama's own token counts); a
// streaming client and the dashboard's chat.start still stream from Ollama. The real
// services and HTTP host against the Ollama and OpenAI protocol doubles.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ChatStatus } from '../../shared/chat'
import { splitTokens } from '../../e2e/doubles/http-double'
import { startOllamaDouble, type OllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'
import { startGatewayHost, type GatewayHost } from '../../test/support/gateway-host'

const TOKEN = 'launch-token-for-tests'
const CLOUD_KEY = 'sk-cloud-canary-5d1e'
const LOCAL_REPLY = 'A local answer, whole.'

// The doubles serve the whole file; each test gets its own host and data folder, and starts
// from an empty request log.
let ollama: OllamaDouble
let cloud: OpenAIDouble
let gateway: GatewayHost

beforeAll(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => LOCAL_REPLY })
  cloud = await startOpenAIDouble({ apiKey: CLOUD_KEY, models: ['gpt-big'], reply: () => 'Cloud answer.' })
})

afterAll(async () => {
  await Promise.all([ollama.close(), cloud.close()])
})

beforeEach(async () => {
  gateway = await startGatewayHost({
    token: TOKEN,
    env: {
      OLLAMA_HOST: ollama.url,
      ROUTELLM_OLLAMA_KEEP_ALIVE: '30m',
      ROUTELLM_CLOUD_BASE_URL: cloud.url,
      ROUTELLM_CLOUD_API_KEY: CLOUD_KEY,
      ROUTELLM_CLOUD_MODEL: 'gpt-big',
    },
  })
  ollama.requests.length = 0
  cloud.requests.length = 0
})

afterEach(() => gateway.close())

const chatBodies = () => ollama.requestsTo('/api/chat').map((r) => r.body as Record<string, unknown>)

describe('local answers through the gateway', () => {
  it("answers a plain JSON request from one non-streamed /api/chat, with Ollama's token counts", async () => {
    const json = await gateway.client.chat.completions.create({ model: 'routellm/local', messages: [{ role: 'user', content: 'Explain recursion' }] })
    expect(json.choices[0]!.message.content).toBe(LOCAL_REPLY)
    expect(json.model).toBe('llama3.2:1b')
    expect(chatBodies()).toEqual([expect.objectContaining({ model: 'llama3.2:1b', stream: false, keep_alive: '30m' })])
    // Ollama's eval_count (one per reply piece), not the chars/4 estimate used without usage.
    const pieces = splitTokens(LOCAL_REPLY).length
    expect(pieces).not.toBe(Math.ceil(LOCAL_REPLY.length / 4))
    expect(json.usage).toMatchObject({ completion_tokens: pieces })
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(0)
  })

  it('answers a plain JSON routellm/auto request that the router sends local from a non-streamed /api/chat too', async () => {
    const { data, response } = await gateway.client.chat.completions
      .create({ model: 'routellm/auto', messages: [{ role: 'user', content: 'hi there!' }] })
      .withResponse()
    expect(response.headers.get('x-routellm-tier')).toBe('local')
    expect(data.choices[0]!.message.content).toBe(LOCAL_REPLY)
    expect(chatBodies()).toEqual([expect.objectContaining({ stream: false })])
  })

  it('streams from Ollama when the client asked for a stream', async () => {
    const stream = await gateway.client.chat.completions.create({
      model: 'routellm/local',
      messages: [{ role: 'user', content: 'Explain recursion' }],
      stream: true,
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe(LOCAL_REPLY)
    expect(chatBodies()).toEqual([expect.objectContaining({ stream: true, keep_alive: '30m' })])
  })

  it("streams from Ollama for the dashboard's chat.start", async () => {
    const finished = new Promise<ChatStatus>((resolve) => {
      const off = gateway.services.bus.subscribe((event, payload) => {
        const status = payload as ChatStatus
        if (event === 'chat.status' && (status.phase === 'done' || status.phase === 'error')) {
          off()
          resolve(status)
        }
      })
    })
    const res = await fetch(gateway.baseURL.replace(/\/v1$/, '/api/rpc/chat.start'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'Explain recursion', tier: 'local' }),
    })
    expect(res.status).toBe(200)
    expect(await finished).toMatchObject({ phase: 'done', servedBy: { endpoint: 'ollama' } })
    expect(chatBodies()).toEqual([expect.objectContaining({ stream: true })])
  })
})
