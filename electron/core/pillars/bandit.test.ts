import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BanditPolicy } from '../../../shared/policy'
import { BANDIT_FILE, createBandit, generationReward, sampleBeta, seededRandom, type Arm } from './bandit'

const policyOf = (input: Record<string, unknown> = {}) => BanditPolicy.parse(input)
const ARMS: Arm[] = [
  { endpoint: 'ollama', model: 'fast-3b', tier: 'local' },
  { endpoint: 'ollama', model: 'slow-8b', tier: 'local' },
  { endpoint: 'openai', model: 'gpt-x', tier: 'cloud' },
]
const LOCAL = ARMS.filter((a) => a.tier === 'local')
const tmp = () => mkdtempSync(join(tmpdir(), 'routellm-bandit-'))

/** Plays `rounds` choices where arm `good` succeeds fast and the other fails; returns picks of `good`. */
function play(bandit: ReturnType<typeof createBandit>, rounds: number, good = 'fast-3b') {
  let goodPicks = 0
  for (let i = 0; i < rounds; i++) {
    const { arm } = bandit.choose('local', LOCAL)
    if (!arm) throw new Error('no arm')
    if (arm.model === good) goodPicks++
    bandit.record({ arm, success: arm.model === good, latencyMs: arm.model === good ? 800 : 9000 })
  }
  return goodPicks
}

describe('bandit reward', () => {
  it('combines success, latency and cost with the policy weights', () => {
    const p = policyOf()
    const fastCheap = generationReward({ arm: ARMS[0]!, success: true, latencyMs: 500, costUsd: 0 }, p)
    const slowPricey = generationReward({ arm: ARMS[0]!, success: true, latencyMs: 20_000, costUsd: 0.1 }, p)
    expect(fastCheap).toBeGreaterThan(slowPricey)
    expect(generationReward({ arm: ARMS[0]!, success: false, latencyMs: 10 }, p)).toBe(0)
    const onlySuccess = policyOf({ reward: { success: 1, latency: 0, cost: 0, feedback: 0 } })
    expect(generationReward({ arm: ARMS[0]!, success: true, latencyMs: 60_000, costUsd: 5 }, onlySuccess)).toBe(1)
  })
})

describe('epsilon-greedy', () => {
  it('explores at least 10% of the time while an arm has few pulls', () => {
    const bandit = createBandit({ dataDir: null, policy: () => policyOf({ epsilon: { warmup: 0.1, warmupPulls: 1_000_000 } }), random: seededRandom(1) })
    let explored = 0
    for (let i = 0; i < 4000; i++) {
      const { arm, verdict } = bandit.choose('local', LOCAL)
      if (verdict.detail?.explored) explored++
      bandit.record({ arm: arm!, success: arm!.model === 'fast-3b', latencyMs: 500 })
    }
    expect(explored / 4000).toBeGreaterThan(0.085)
    expect(explored / 4000).toBeLessThan(0.115)
  })

  it('drops to the configured floor after warm-up', () => {
    const bandit = createBandit({ dataDir: null, policy: () => policyOf({ epsilon: { warmupPulls: 5, floor: 0 } }), random: seededRandom(2) })
    play(bandit, 200)
    const { verdict } = bandit.choose('local', LOCAL)
    expect(verdict.detail).toMatchObject({ epsilon: 0, explored: false })
  })

  it('tries every arm, then settles on the one that earns more', () => {
    const bandit = createBandit({ dataDir: null, policy: () => policyOf({ epsilon: { warmupPulls: 10, floor: 0.05 } }), random: seededRandom(3) })
    const picks = play(bandit, 500)
    expect(picks / 500).toBeGreaterThan(0.85)
    expect(bandit.stats().find((s) => s.model === 'slow-8b')!.pulls).toBeGreaterThan(0)
  })

  it('learns from thumbs up/down without counting a generation', () => {
    const bandit = createBandit({
      dataDir: null,
      policy: () => policyOf({ epsilon: { warmupPulls: 0, floor: 0 }, reward: { feedback: 5 } }),
      random: seededRandom(4),
    })
    for (const arm of LOCAL) bandit.record({ arm, success: true, latencyMs: 1000 })
    for (let i = 0; i < 5; i++) bandit.record({ arm: LOCAL[0]!, feedback: 'down' })
    expect(bandit.stats().find((s) => s.model === 'fast-3b')).toMatchObject({ pulls: 1, feedbackDown: 5 })
    expect(bandit.choose('local', LOCAL).arm!.model).toBe('slow-8b')
  })
})

describe('thompson sampling', () => {
  it('samples Beta with the right mean', () => {
    const random = seededRandom(5)
    let sum = 0
    for (let i = 0; i < 5000; i++) sum += sampleBeta(3, 7, random)
    expect(sum / 5000).toBeCloseTo(0.3, 1)
  })

  it('settles on the arm that earns more', () => {
    const bandit = createBandit({ dataDir: null, policy: () => policyOf({ strategy: 'thompson' }), random: seededRandom(6) })
    const picks = play(bandit, 500)
    expect(picks / 500).toBeGreaterThan(0.85)
    expect(bandit.choose('local', LOCAL).verdict.reason).toMatch(/Thompson/)
  })
})

describe('bandit choice', () => {
  it('chooses only among arms of the tier, and says when there is none or one', () => {
    const bandit = createBandit({ dataDir: null, policy: () => policyOf(), random: seededRandom(7) })
    expect(bandit.choose('cloud', ARMS).arm!.model).toBe('gpt-x')
    expect(bandit.choose('cloud', ARMS).verdict.reason).toContain('only cloud model')
    expect(bandit.choose('cloud', LOCAL)).toMatchObject({ arm: null, verdict: { status: 'abstained', reason: 'no cloud model is available' } })
  })
})

describe('bandit persistence', () => {
  it('keeps statistics across restarts in state.db', async () => {
    const dir = tmp()
    const first = createBandit({ dataDir: dir, policy: () => policyOf(), random: seededRandom(8) })
    play(first, 30)
    await first.close()
    expect(readdirSync(dir).filter((f) => !f.startsWith('state.db'))).toEqual([])
    const second = createBandit({ dataDir: dir, policy: () => policyOf(), random: seededRandom(9) })
    expect(second.stats()).toEqual(first.stats())
    expect(second.stats().reduce((n, s) => n + s.pulls, 0)).toBe(30)
    await second.close()
  })

  it('two processes on one folder: every pull counts, and each sees the other after a sync', async () => {
    const dir = tmp()
    const a = createBandit({ dataDir: dir, policy: () => policyOf(), random: seededRandom(10), syncMs: 60_000 })
    const b = createBandit({ dataDir: dir, policy: () => policyOf(), random: seededRandom(11), syncMs: 60_000 })
    play(a, 20)
    play(b, 15)
    expect(b.stats().reduce((n, s) => n + s.pulls, 0)).toBe(15)
    await a.flush()
    await b.flush()
    await a.flush()
    const pulls = (bandit: typeof a) => bandit.stats().reduce((n, s) => n + s.pulls, 0)
    expect([pulls(a), pulls(b)]).toEqual([35, 35])
    expect(a.stats()).toEqual(b.stats())
    await a.close()
    await b.close()
  })

  it('imports an older bandit.json once and renames it', async () => {
    const dir = tmp()
    const old = createBandit({ dataDir: null, policy: () => policyOf(), random: seededRandom(12) })
    play(old, 12)
    const legacy = JSON.stringify({ version: 1, arms: old.stats() })
    writeFileSync(join(dir, BANDIT_FILE), legacy)
    const first = createBandit({ dataDir: dir, policy: () => policyOf() })
    expect(first.stats()).toEqual(old.stats())
    expect(existsSync(join(dir, `${BANDIT_FILE}.imported`))).toBe(true)
    // A process that started at the same moment and still saw the file imports nothing more.
    writeFileSync(join(dir, BANDIT_FILE), legacy)
    const second = createBandit({ dataDir: dir, policy: () => policyOf() })
    expect(second.stats().reduce((n, s) => n + s.pulls, 0)).toBe(12)
    await first.close()
    await second.close()
  })

  it('a bad bandit.json is described by file and field, left in place, and learning goes on', async () => {
    const dir = tmp()
    writeFileSync(join(dir, BANDIT_FILE), JSON.stringify({ version: 1, arms: [{ endpoint: 'ollama', model: 'x', pulls: -3 }] }))
    const warnings: string[] = []
    const bandit = createBandit({ dataDir: dir, policy: () => policyOf(), warn: (m) => warnings.push(m) })
    expect(bandit.problem()?.message).toMatch(/^bandit\.json: arms\[0\]\.pulls: .*; .*Its statistics were not imported/)
    expect(warnings[0]).toContain(bandit.problem()!.message)
    expect(existsSync(join(dir, BANDIT_FILE))).toBe(true)
    bandit.record({ arm: LOCAL[0]!, success: true, latencyMs: 100 })
    await bandit.close()
    const again = createBandit({ dataDir: dir, policy: () => policyOf(), warn: () => undefined })
    expect(again.stats()).toMatchObject([{ model: 'fast-3b', pulls: 1 }])
    await again.close()
  })

  it('a truncated bandit.json says where the JSON ends, not "unreadable ([)"', async () => {
    const dir = tmp()
    writeFileSync(join(dir, BANDIT_FILE), '{"version": 1, "arms": [')
    const bandit = createBandit({ dataDir: dir, policy: () => policyOf(), warn: () => undefined })
    expect(bandit.problem()?.message).toMatch(/^bandit\.json: is not valid JSON \(it ends too early\)/)
    await bandit.close()
  })

  it('learns in memory with a warning when state.db cannot be opened', async () => {
    const dir = tmp()
    const blocked = join(dir, 'not-a-dir')
    writeFileSync(blocked, 'a file where the data folder should be')
    const warnings: string[] = []
    const bandit = createBandit({ dataDir: blocked, policy: () => policyOf(), warn: (m) => warnings.push(m) })
    bandit.record({ arm: LOCAL[0]!, success: true })
    await bandit.close()
    expect(warnings.join()).toMatch(/state\.db .* cannot be opened/)
    expect(bandit.stats()).toMatchObject([{ pulls: 1 }])
  })
})
