import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import type { PillarVerdict } from '../../../shared/decision'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, FakeClock, ollamaEndpoint, type Harness, type HarnessOptions } from '../../../test/support/chat-harness'
import { createRouter } from '../engine/router'
import type { Pillar } from '../pillars/pillar'
import { ProviderError } from '../providers/types'
import { routerHooks } from './router-hooks'

const KEY = 'sk-test-double'

let ollama: OllamaDouble
let cloud: OpenAIDouble
let h: Harness | undefined

beforeEach(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b', 'nomic-embed-text'], reply: () => 'local answer' })
  cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o-mini'], reply: () => 'cloud answer' })
})
afterEach(async () => {
  h?.close()
  h = undefined
  await Promise.all([ollama.close(), cloud.close()])
})

async function setup(o: Partial<HarnessOptions> = {}): Promise<Harness> {
  h = createHarness({
    endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('cloud', cloud.url, ['gpt-4o-mini'], { 'gpt-4o-mini': { inputPerMTok: 1000, outputPerMTok: 1000 } })],
    keys: { cloud: KEY },
    route: { tier: 'cloud' },
    ollamaUrl: ollama.url,
    clock: new FakeClock(),
    ...o,
  })
  await h.stack.registry.refreshLocal()
  return h
}

describe('budget caps', () => {
  it('once the daily cap is reached, cloud prompts go local (action route-local) and the decision says why', async () => {
    await setup({ env: { ROUTELLM_BUDGET_DAILY_USD: '0.005' } })
    const first = await h!.run('explain monads in depth')
    expect(first.result.servedBy?.endpoint).toBe('cloud')
    expect(h!.stack.costs.spentToday()).toBeGreaterThan(0.005) // priced at $1000/Mtok
    const next = await h!.run('explain monads in depth')
    expect(next.result).toMatchObject({ phase: 'done', servedBy: { endpoint: 'ollama' } })
    expect(next.result.decision).toMatchObject({ tier: 'local', pinned: 'budget' })
    expect(next.result.decision?.explanation).toMatch(/daily budget of \$0\.0050 reached/)
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(1)
    expect(h!.stack.costs.summary()).toMatchObject({ exceeded: 'daily' })
  })

  it('with action refuse, a cloud prompt gets a clear message and the cloud is not called; local prompts still work', async () => {
    await setup()
    h!.stack.costs.setBudget({ monthlyUsd: 0.001, action: 'refuse' })
    h!.stack.costs.record(0.002)
    const refused = await h!.run('explain monads in depth')
    expect(refused.result.phase).toBe('error')
    expect(refused.result.error).toMatch(/Monthly budget of \$0\.0010 reached .* cloud requests are refused/)
    expect(cloud.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(0)
    const local = await h!.run('hi', { tier: 'local' })
    expect(local.result.servedBy?.endpoint).toBe('ollama')
  })
})

describe('tier override', () => {
  it('routes cloud prompts local while every cloud endpoint is degraded', async () => {
    await setup({ health: { failureThreshold: 100 } })
    const { health } = h!.stack
    for (let i = 0; i < 4; i++) health.success('cloud', health.acquire('cloud')!, { latencyMs: 10, ttftMs: 5 })
    for (let i = 0; i < 2; i++) health.failure('cloud', health.acquire('cloud')!, new ProviderError('unavailable', 'cloud answered 500'))
    expect(h!.stack.gate.report().endpoints.find((e) => e.id === 'cloud')?.state).toBe('degraded')
    const run = await h!.run('explain monads in depth')
    expect(run.result.servedBy?.endpoint).toBe('ollama')
    expect(run.result.decision).toMatchObject({ pinned: 'health', explanation: expect.stringMatching(/cloud is degraded/) })
  })

  it('without any Ollama, local prompts go to the cloud and say why; private ones get a clear error', async () => {
    const url = ollama.url
    await ollama.close()
    await setup({ ollamaUrl: url, route: (p) => ({ tier: 'local', privacy: p.includes('@') }) })
    const run = await h!.run('hello')
    expect(run.result).toMatchObject({ phase: 'done', servedBy: { endpoint: 'cloud' } })
    expect(run.result.decision?.explanation).toMatch(/Ollama is not running/)
    const secret = await h!.run('write to me@example.com')
    expect(secret.result.phase).toBe('error')
    expect(secret.result.error).toMatch(/private data.*Ollama is not running/)
  })

  it('with nothing configured, says what to configure', async () => {
    const url = ollama.url
    await ollama.close()
    await setup({ endpoints: [ollamaEndpoint(url)], ollamaUrl: url })
    const run = await h!.run('explain monads')
    expect(run.result.phase).toBe('error')
    expect(run.result.error).toMatch(/ROUTELLM_CLOUD_BASE_URL/)
    expect(run.result.error).toMatch(/ollama serve/)
  })

  it('picks a chat model (never an embedding model) as the default local arm', async () => {
    await setup()
    expect(h!.stack.gate.listArms('local')).toEqual([{ endpoint: 'ollama', model: 'llama3.2:3b', tier: 'local' }])
  })
})

describe('endpoint status report', () => {
  it('lists every endpoint with its state and figures, without credentials', async () => {
    // A base URL with credentials cannot be configured at all (EndpointConfig refuses it).
    await expect(setup({ endpoints: [cloudEndpoint('proxy', cloud.url.replace('http://', 'http://user:pw@'), ['gpt-4o-mini'])] })).rejects.toThrow(
      /must not contain a user name or password/,
    )
    await setup({
      endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('cloud', cloud.url, ['gpt-4o-mini'])],
      keys: { cloud: KEY },
    })

    await h!.run('explain monads in depth')
    const report = h!.stack.gate.report()
    const c = report.endpoints.find((e) => e.id === 'cloud')!
    expect(c).toMatchObject({ state: 'healthy', samples: 1, errorRate: 0, key: 'set', cooldownRemainingMs: null })
    expect(c.latencyMs?.p50).toBeGreaterThan(0)
    expect(c.ttftMs?.p95).toBeGreaterThan(0)
    expect(report.endpoints.find((e) => e.id === 'ollama')).toMatchObject({ state: 'healthy', key: 'not-needed', models: ['llama3.2:3b'] })
    expect(JSON.stringify(report)).not.toContain(KEY)
  })
})

describe('the engine with the health hooks', () => {
  const scored = (score: number): Pillar => ({
    id: 'rules',
    evaluate: (): PillarVerdict => ({ pillar: 'rules', status: 'scored', score, confidence: 1, reason: 'test score', ms: 0 }),
  })
  const privacy: Pillar = {
    id: 'rules',
    evaluate: (): PillarVerdict => ({
      pillar: 'rules',
      status: 'short-circuit',
      score: null,
      confidence: 1,
      reason: 'holds an e-mail address',
      ms: 0,
      tier: 'local',
      pin: 'privacy',
    }),
  }

  it('decides with usable arms only and lets health move the tier, except for a privacy-pinned prompt', async () => {
    await setup()
    const hooks = routerHooks(h!.stack.gate)
    const cloudy = createRouter({ policy: DEFAULT_POLICY, pillars: [scored(95)], dataDir: null, ...hooks })
    expect(await cloudy.decide('hard')).toMatchObject({ tier: 'cloud', endpoint: 'cloud', model: 'gpt-4o-mini' })

    h!.stack.network.setOffline(true)
    const offline = await cloudy.decide('hard')
    expect(offline).toMatchObject({ tier: 'local', pinned: 'offline', endpoint: 'ollama' })
    h!.stack.network.setOffline(false)

    await ollama.stop()
    const local = createRouter({ policy: DEFAULT_POLICY, pillars: [scored(5)], dataDir: null, ...hooks })
    const { health } = h!.stack
    health.failure('ollama', health.acquire('ollama')!, new ProviderError('unavailable', 'connection refused', { unreachable: true }))
    expect(await local.decide('easy')).toMatchObject({ tier: 'cloud', pinned: 'health', endpoint: 'cloud' })
    const pinned = createRouter({ policy: DEFAULT_POLICY, pillars: [privacy], dataDir: null, ...hooks })
    expect(await pinned.decide('me@example.com')).toMatchObject({ tier: 'local', pinned: 'privacy' })
  })
})
