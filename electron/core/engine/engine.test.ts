import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import type { OllamaStatus } from '../../../shared/ollama'
import { createBandit } from '../pillars/bandit'
import type { OllamaChatChunk } from '../ollama/bridge'
import { createEngine, type Engine } from './engine'

const ARMS = [
  { endpoint: 'ollama', model: 'llama3.2:3b', tier: 'local' as const },
  { endpoint: 'openai', model: 'gpt-4o-mini', tier: 'cloud' as const },
]

/** A stand-in for the Ollama bridge: two installed models, the judge answers difficulty 9. */
const fakeBridge = {
  detect: async (): Promise<OllamaStatus> => ({
    detected: true,
    host: 'http://127.0.0.1:11434',
    version: '0.12.6',
    models: [
      { name: 'big:70b', size: 40e9, family: null, parameterSize: null, quantization: null, modifiedAt: null },
      { name: 'tiny:1b', size: 1e9, family: null, parameterSize: null, quantization: null, modifiedAt: null },
    ],
    tried: [],
  }),
  async *chat(): AsyncGenerator<OllamaChatChunk> {
    yield { text: '{"difficulty": 9, "reason": "hard"}', done: true }
  },
}

describe('createEngine (what the hosts call)', () => {
  let engine: Engine | undefined
  afterEach(async () => {
    await engine?.close()
  })

  it('routes with the policy file in the data folder and reloads it when it changes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'routellm-engine-'))
    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, threshold: 65 }))
    engine = await createEngine({ dataDir, semantic: false, listArms: (tier) => ARMS.filter((a) => a.tier === tier) })
    const prompt = 'Explain the difference between weather and climate.'
    const before = await engine.decide(prompt)
    expect(before.tier).toBe('local')
    writeFileSync(join(dataDir, 'policy.json.new'), JSON.stringify({ version: 1, threshold: before.complexity - 1 }))
    renameSync(join(dataDir, 'policy.json.new'), join(dataDir, 'policy.json'))
    await expect.poll(async () => (await engine!.decide(prompt)).tier, { timeout: 3000 }).toBe('cloud')
  })

  it('warms up at start with decisions that neither ask the judge nor teach the bandit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'routellm-engine-'))
    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, judge: { enabled: true, when: 'always' } }))
    let judged = 0
    let listed = 0
    const bridge = {
      ...fakeBridge,
      async *chat(): AsyncGenerator<OllamaChatChunk> {
        judged++
        yield { text: '{"difficulty": 9, "reason": "hard"}', done: true }
      },
    }
    engine = await createEngine({ dataDir, semantic: false, bridge, listArms: (tier) => (listed++, ARMS.filter((a) => a.tier === tier)) })
    await engine.warmedUp
    expect(listed).toBeGreaterThan(0)
    expect(judged).toBe(0)
    expect(engine.bandit.stats()).toEqual([])
    // the engine itself still asks the judge when the policy says so
    await expect.poll(async () => (await engine!.decide('Prove that there are infinitely many primes.'), judged), { timeout: 3000 }).toBeGreaterThan(0)
  })

  it('keeps bandit statistics in the data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'routellm-engine-'))
    engine = await createEngine({ dataDir, semantic: false, listArms: (tier) => ARMS.filter((a) => a.tier === tier) })
    const d = await engine.decide('hi')
    engine.record({ arm: { endpoint: d.endpoint!, model: d.model! }, success: true, latencyMs: 700 })
    await engine.close()
    engine = undefined
    const saved = createBandit({ dataDir, policy: () => DEFAULT_POLICY.bandit })
    expect(saved.stats()).toMatchObject([{ model: 'llama3.2:3b', pulls: 1, successes: 1 }])
    await saved.close()
  })

  it('runs the judge through the bridge with the smallest installed model when the policy enables it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'routellm-engine-'))
    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, judge: { enabled: true, when: 'always' } }))
    engine = await createEngine({ dataDir, semantic: false, bridge: fakeBridge })
    await new Promise((r) => setTimeout(r, 10)) // let the model list arrive
    const d = await engine.decide('Explain the difference between weather and climate.')
    expect(d.trace.find((v) => v.pillar === 'judge')).toMatchObject({ status: 'scored', score: 88.9, detail: { model: 'tiny:1b' } })
    expect(engine.bandit.stats()).toEqual([])
  })
})
