import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'
import { startGatewayHost, type GatewayHost } from '../../test/support/gateway-host'

const TOKEN = 'launch-token-for-tests'
const GATEWAY_KEY = 'fixed-gateway-key'
const CLOUD_KEY = 'sk-cloud-canary-7f3a9c'

describe.shuffle('OpenAI-compatible gateway (/v1) through the real openai SDK', () => {
  // The doubles hold no routing state and are shared by the file (faults and request logs are
  // reset before each test); each test gets its own host, so none depends on what an earlier
  // one did to the breakers, health, spend or telemetry. The order is shuffled on every run,
  // so a test that starts to lean on another's leftovers fails (--sequence.seed=N replays an order).
  let ollama: OllamaDouble
  let cloud: OpenAIDouble
  let gateway: GatewayHost
  let services: GatewayHost['services']
  let client: OpenAI
  let baseURL: string

  beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => 'Local answer here.' })
    cloud = await startOpenAIDouble({ apiKey: CLOUD_KEY, models: ['gpt-big'], reply: () => 'Cloud answer here.' })
  })
  afterAll(async () => {
    await Promise.all([ollama.close(), cloud.close()])
  })
  beforeEach(async () => {
    for (const double of [ollama, cloud]) {
      double.clearFault()
      double.requests.length = 0
    }
    gateway = await startGatewayHost({
      env: { OLLAMA_HOST: ollama.url, ROUTELLM_CLOUD_BASE_URL: cloud.url, ROUTELLM_CLOUD_API_KEY: CLOUD_KEY, ROUTELLM_CLOUD_MODEL: 'gpt-big' },
      token: TOKEN,
      gatewayKey: GATEWAY_KEY,
    })
    ;({ services, client, baseURL } = gateway)
  })
  afterEach(() => gateway.close())

  it('lists the routing models', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id)
    expect(ids).toEqual(['routellm/auto', 'routellm/local', 'routellm/cloud'])
  })

  it('answers a simple prompt locally, saying where it went and why', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'routellm/auto', messages: [{ role: 'user', content: 'hi there!' }] })
      .withResponse()
    expect(data.choices[0]!.message.content).toBe('Local answer here.')
    expect(data.model).toBe('llama3.2:1b')
    expect(data.usage!.completion_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-routellm-tier')).toBe('local')
    expect((data as unknown as { routellm: { explanation: string } }).routellm.explanation).toMatch(/local/i)
  })

  it('sends the system prompt and earlier turns upstream, routing on the last user message', async () => {
    await client.chat.completions.create({
      model: 'routellm/local',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Hi.' },
        { role: 'user', content: 'thanks!' },
      ],
    })
    const sent = ollama.requestsTo('/api/chat').at(-1)!.body as { messages: { role: string; content: string }[] }
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user'])
    expect(sent.messages[0]!.content).toBe('You are terse.')
  })

  it('asks the cloud for a plain JSON answer when the client did', async () => {
    const json = await client.chat.completions.create({ model: 'routellm/cloud', messages: [{ role: 'user', content: 'Explain TCP' }] })
    expect(json.choices[0]!.message.content).toBe('Cloud answer here.')
    // The upstream's own count (three pieces), not the chars/4 estimate (five).
    expect(json.usage).toMatchObject({ completion_tokens: 3 })
    expect(cloud.requestsTo('/v1/chat/completions').at(-1)!.body).toMatchObject({ stream: false })
  })

  it('streams chunks ending with usage when asked, like OpenAI', async () => {
    const stream = await client.chat.completions.create({
      model: 'routellm/cloud',
      messages: [{ role: 'user', content: 'Explain the CAP theorem' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('Cloud answer here.')
    expect(usage?.total_tokens).toBeGreaterThan(0)
    const upstream = cloud.requestsTo('/v1/chat/completions').at(-1)!
    expect(upstream.headers.authorization).toBe(`Bearer ${CLOUD_KEY}`)
    expect(upstream.body).toMatchObject({ stream: true })
  })

  it('accepts the fixed gateway key and refuses a wrong one with OpenAI’s 401', async () => {
    const fixed = new OpenAI({ apiKey: GATEWAY_KEY, baseURL, maxRetries: 0 })
    await expect(fixed.models.list()).resolves.toBeTruthy()
    const wrong = new OpenAI({ apiKey: 'nope', baseURL, maxRetries: 0 })
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it('rejects an unknown model (404) and a malformed request (400) with clear messages', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('routellm/auto'),
    })
    await expect(client.chat.completions.create({ model: 'routellm/auto', messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError)
    await expect(
      client.chat.completions.create({ model: 'routellm/auto', messages: [{ role: 'assistant', content: 'last is not user' }] }),
    ).rejects.toMatchObject({ status: 400 })
  })

  it('fails a stream cut mid-answer with an in-stream error the SDK raises, not a quiet end', async () => {
    cloud.setFault({ kind: 'disconnect', afterChunks: 2, times: 1 })
    const stream = await client.chat.completions.create({ model: 'routellm/cloud', messages: [{ role: 'user', content: 'Explain Raft' }], stream: true })
    let text = ''
    const read = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })()
    await expect(read).rejects.toThrow(/interrupted/i)
    expect('Cloud answer here.'.startsWith(text)).toBe(true)
  })

  it('a pinned tier runs only the privacy check, still pins private data local, and records every request', async () => {
    const { data } = await client.chat.completions
      .create({ model: 'routellm/cloud', messages: [{ role: 'user', content: 'Explain the CAP theorem' }] })
      .withResponse()
    const routing = (data as unknown as { routellm: { tier: string; explanation: string } }).routellm
    expect(routing.tier).toBe('cloud')
    expect(routing.explanation).toMatch(/^You chose Cloud for this prompt, so only the privacy check ran/)
    expect(routing.explanation).toContain('not run: the request pinned the tier')

    const secret = await client.chat.completions.create({
      model: 'routellm/cloud',
      messages: [{ role: 'user', content: 'Email jane.doe@example.com the invoice' }],
    })
    expect(secret.choices[0]!.message.content).toBe('Local answer here.')

    await vi.waitFor(() => expect(services.telemetry.evidence(0, 1000).length).toBe(2))
    expect(services.telemetry.evidence(0, 2).map((r) => [r.tier, r.pinned, r.outcome])).toEqual([
      ['local', 'privacy', 'ok'],
      ['cloud', 'override', 'ok'],
    ])
  })

  it('a client that goes away mid-stream stops the upstream request (recorded as aborted)', async () => {
    cloud.setFault({ kind: 'stall', afterChunks: 2, times: 1 })
    const stopped = new AbortController()
    const stream = await client.chat.completions.create(
      { model: 'routellm/cloud', messages: [{ role: 'user', content: 'Explain Paxos' }], stream: true },
      { signal: stopped.signal },
    )
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break // leaving the loop closes the connection
    // The upstream stalls forever: only an abort that reached it ends the generation and records it.
    await vi.waitFor(() => expect(services.telemetry.evidence(0, 1)[0]).toMatchObject({ tier: 'cloud', outcome: 'aborted' }), { timeout: 5000 })
  })

  it('answers 503 with the reason when no endpoint can serve, and never leaks the cloud key', async () => {
    cloud.setFault({ kind: 'serverError', status: 500, times: 50 })
    const url = ollama.url
    await ollama.stop()
    try {
      const error = await client.chat.completions
        .create({ model: 'routellm/cloud', messages: [{ role: 'user', content: 'Prove Fermat' }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.APIError)
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
      expect(String((error as Error).message)).not.toContain(CLOUD_KEY)
    } finally {
      cloud.clearFault()
      await ollama.restart()
      expect(ollama.url).toBe(url)
    }
  })
})
