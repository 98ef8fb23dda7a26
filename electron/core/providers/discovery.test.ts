// No decision before discovery: the first decision of a process waits for the first Ollama
// probe and the cloud key lookups, and a tier that looks empty is probed once more before it
// is declared unavailable. Nothing about "not yet discovered" reaches telemetry, the bandit
// or the breakers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, ollamaEndpoint, type Harness } from '../../../test/support/chat-harness'
import { outcomeFeedback } from '../chat/outcome'

const KEY = 'sk-test-double'
let ollama: OllamaDouble
let cloud: OpenAIDouble
let h: Harness | undefined

beforeEach(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => 'local answer' })
  cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o'], reply: () => 'cloud answer' })
})

afterEach(async () => {
  h?.close()
  h = undefined
  await Promise.all([ollama.close(), cloud.close()])
})

function harness(): Harness {
  h = createHarness({
    endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('cloud', cloud.url, ['gpt-4o'])],
    keys: { cloud: KEY },
    route: { tier: 'local' },
    ollamaUrl: ollama.url,
  })
  return h
}

const modelListings = () => ollama.requestsTo('/api/tags').length

describe('discovery before the first decision', () => {
  it('answers the very first local prompt with Ollama, with nothing wrong recorded anywhere', async () => {
    const { run, outcomes, stack } = harness()
    // No refresh first: the process's first prompt arrives while discovery is still running.
    const first = await run('hello')
    expect(first.result).toMatchObject({ phase: 'done', servedBy: { tier: 'local', endpoint: 'ollama' }, hops: [] })
    expect(first.result.decision?.pinned).not.toBe('health')
    expect(first.text).toBe('local answer')
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(0)
    // Telemetry gets one good outcome, the bandit one success, the breakers nothing bad.
    expect(outcomes.map((o) => ({ ok: o.ok, tier: o.servedBy?.tier, hops: o.hops.length }))).toEqual([{ ok: true, tier: 'local', hops: 0 }])
    expect(outcomeFeedback(outcomes[0]!)).toMatchObject([{ arm: { endpoint: 'ollama', model: 'llama3.2:3b' }, success: true }])
    expect(stack.health.health('ollama')).toMatchObject({ breaker: 'closed', lastError: null })
  })

  it('discovers once for many concurrent first decisions', async () => {
    const { run, stack } = harness()
    const runs = await Promise.all(Array.from({ length: 5 }, () => run('hello')))
    for (const r of runs) expect(r.result.servedBy?.endpoint).toBe('ollama')
    expect(modelListings()).toBe(1)
    expect(stack.registry.looksEmpty('local')).toBe(false)
  })

  it('probes a tier that looks empty once more before declaring it unavailable, and not again until it had models', async () => {
    ollama.setModels([])
    const { stack } = harness()
    await stack.gate.discovered()
    // The first probe plus the one re-probe: still nothing installed, so local is unavailable.
    expect(modelListings()).toBe(2)
    expect(stack.registry.looksEmpty('local')).toBe(true)
    await stack.gate.discovered()
    expect(modelListings()).toBe(2)

    // A model appears and the periodic refresh sees it: the tier counts as found again...
    ollama.setModels(['llama3.2:3b'])
    await stack.registry.refreshLocal()
    await stack.gate.discovered()
    expect(stack.registry.looksEmpty('local')).toBe(false)
    // ...so when it empties later, it gets its one re-probe again.
    ollama.setModels([])
    await stack.registry.refreshLocal()
    const before = modelListings()
    await stack.gate.discovered()
    expect(modelListings()).toBe(before + 1)
  })

  it('finds an Ollama that came up between the first probe and the first decision through the re-probe', async () => {
    await ollama.stop()
    const { stack } = harness()
    await stack.registry.discovered()
    expect(stack.registry.looksEmpty('local')).toBe(true)
    await ollama.restart()
    await stack.gate.discovered()
    expect(stack.registry.looksEmpty('local')).toBe(false)
    expect(stack.gate.listArms('local')).toEqual([{ endpoint: 'ollama', model: 'llama3.2:3b', tier: 'local' }])
  })
})
