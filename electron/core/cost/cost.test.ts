import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EndpointConfig } from '../../../shared/endpoints'
import { FakeClock } from '../../../test/support/chat-harness'
import { CostStore } from './cost-store'
import { costUsd, DEFAULT_CLOUD_PRICE, lookupPrice } from './prices'

const cloud = EndpointConfig.parse({
  id: 'or',
  name: 'OpenRouter',
  provider: 'openrouter',
  baseURL: 'https://openrouter.ai/api/v1',
  tier: 'cloud',
  models: ['openai/gpt-4o-mini', 'mine'],
  prices: { mine: { inputPerMTok: 1, outputPerMTok: 3 } },
})
const local = EndpointConfig.parse({ id: 'ollama', name: 'Ollama', provider: 'ollama', baseURL: 'http://127.0.0.1:11434', tier: 'local', models: [] })

describe('price table', () => {
  it('local costs nothing; then the endpoint’s prices, the user’s, the built-in list, the default', () => {
    expect(lookupPrice(local, 'llama3.2', {})).toEqual({ price: { inputPerMTok: 0, outputPerMTok: 0 }, source: 'local' })
    expect(lookupPrice(cloud, 'mine', { mine: { inputPerMTok: 9, outputPerMTok: 9 } }).source).toBe('endpoint')
    expect(lookupPrice(cloud, 'x', { 'or/x': { inputPerMTok: 2, outputPerMTok: 2 }, x: { inputPerMTok: 5, outputPerMTok: 5 } }).price.inputPerMTok).toBe(2)
    expect(lookupPrice(cloud, 'x', { x: { inputPerMTok: 5, outputPerMTok: 5 } }).source).toBe('user')
    expect(lookupPrice(cloud, 'openai/gpt-4o-mini', {})).toEqual({ price: { inputPerMTok: 0.15, outputPerMTok: 0.6 }, source: 'builtin' })
    expect(lookupPrice(cloud, 'unknown-model', {})).toEqual({ price: DEFAULT_CLOUD_PRICE, source: 'default' })
  })

  it('cost = tokens × price per million', () => {
    expect(costUsd({ inputPerMTok: 1, outputPerMTok: 3 }, { inputTokens: 1_000_000, outputTokens: 500_000 })).toBe(2.5)
  })
})

describe('CostStore', () => {
  it('adds spend per day and per month, and reports the cap that is reached', () => {
    const clock = new FakeClock(new Date(2026, 2, 31, 12).getTime())
    const store = new CostStore({ dataDir: null, now: clock.now, env: { ROUTELLM_BUDGET_DAILY_USD: '1', ROUTELLM_BUDGET_MONTHLY_USD: '1.5' } })
    store.record(0.6)
    expect(store.breach()).toBeNull()
    store.record(0.5)
    expect(store.breach()).toMatchObject({ cap: 'daily', limitUsd: 1, action: 'route-local' })
    clock.advance(86_400_000) // April 1st: a new day and a new month
    expect(store.spentToday()).toBe(0)
    expect(store.spentThisMonth()).toBe(0)
    expect(store.breach()).toBeNull()
    clock.t = new Date(2026, 2, 15).getTime()
    expect(store.spentThisMonth()).toBeCloseTo(1.1)
  })

  it('the monthly cap applies across days, with the configured action', () => {
    const clock = new FakeClock(new Date(2026, 4, 2).getTime())
    const store = new CostStore({ dataDir: null, now: clock.now })
    store.setBudget({ monthlyUsd: 1, action: 'refuse' })
    store.record(0.7)
    clock.advance(86_400_000)
    store.record(0.4)
    expect(store.breach()).toMatchObject({
      cap: 'monthly',
      action: 'refuse',
      message: expect.stringMatching(/Monthly budget of \$1\.00 reached \(\$1\.10 spent/),
    })
  })

  it('persists spend, budget and prices, and the file wins over the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const a = new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '5' } })
    a.record(0.25)
    a.setBudget({ dailyUsd: 2 })
    a.setPrice('or/mine', { inputPerMTok: 4, outputPerMTok: 8 })
    a.close()
    const b = new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '5' } })
    expect(b.summary()).toMatchObject({
      todayUsd: 0.25,
      budget: { dailyUsd: 2, monthlyUsd: null, action: 'route-local' },
      prices: { 'or/mine': { inputPerMTok: 4 } },
    })
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    b.setBudget({ dailyUsd: null })
    b.close()
    const c = new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '5' } })
    expect(c.budget.dailyUsd).toBeNull()
    c.close()
  })

  it('spend stays in memory until a sync, then two stores on one folder add up and see each other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const a = new CostStore({ dataDir: dir, syncMs: 60_000 })
    const b = new CostStore({ dataDir: dir, syncMs: 60_000 })
    a.record(1)
    b.record(2)
    a.record(0.5)
    expect([a.spentToday(), b.spentToday()]).toEqual([1.5, 2])
    await a.sync()
    await b.sync()
    await a.sync()
    expect([a.spentToday(), b.spentToday()]).toEqual([3.5, 3.5])
    a.close()
    b.close()
  })

  it('the month’s total follows spend here, other processes’ spend after a sync, and the turn of the month', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const clock = new FakeClock(new Date(2026, 4, 30, 12).getTime())
    const env = { ROUTELLM_BUDGET_MONTHLY_USD: '3' }
    const a = new CostStore({ dataDir: dir, syncMs: 60_000, now: clock.now, env })
    const b = new CostStore({ dataDir: dir, syncMs: 60_000, now: clock.now, env })
    a.record(1)
    clock.advance(86_400_000) // May 31st
    a.record(1)
    expect(a.spentThisMonth()).toBe(2)
    expect(a.breach()).toBeNull()
    b.record(1.5)
    await b.sync()
    await a.sync()
    expect(a.spentThisMonth()).toBe(3.5)
    expect(a.breach()).toMatchObject({ cap: 'monthly', limitUsd: 3, spentUsd: 3.5 })
    clock.advance(86_400_000) // June 1st: a new month
    expect(a.spentThisMonth()).toBe(0)
    expect(a.breach()).toBeNull()
    a.record(0.5)
    await a.sync()
    expect(a.spentThisMonth()).toBe(0.5)
    clock.t = new Date(2026, 4, 15).getTime()
    expect(a.spentThisMonth()).toBe(3.5)
    a.close()
    b.close()
  })

  it('with no cap set, no spend is a breach', () => {
    const store = new CostStore({ dataDir: null })
    store.record(1_000)
    expect(store.breach()).toBeNull()
    expect(store.summary().exceeded).toBeNull()
  })

  it('a budget set by one process holds in another after its next sync', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const a = new CostStore({ dataDir: dir, syncMs: 60_000 })
    const b = new CostStore({ dataDir: dir, syncMs: 60_000 })
    a.setBudget({ dailyUsd: 1, action: 'refuse' })
    b.record(1.5)
    expect(b.breach()).toBeNull()
    const changed = new Promise<void>((resolve) => b.onChange(resolve))
    await b.sync()
    await changed
    expect(b.breach()).toMatchObject({ cap: 'daily', action: 'refuse', spentUsd: 1.5 })
    a.close()
    b.close()
  })

  it('a change in one process keeps what another saved a moment before (re-read before write)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const a = new CostStore({ dataDir: dir, syncMs: 60_000 })
    const b = new CostStore({ dataDir: dir, syncMs: 60_000 })
    a.setPrice('mine', { inputPerMTok: 1, outputPerMTok: 2 })
    b.setBudget({ monthlyUsd: 9 })
    expect(b.summary()).toMatchObject({ budget: { monthlyUsd: 9 }, prices: { mine: { inputPerMTok: 1 } } })
    a.close()
    b.close()
  })

  it('a damaged cost.json keeps its last good copy: the cap still holds and the problem names the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const first = new CostStore({ dataDir: dir })
    first.setBudget({ dailyUsd: 0.5, action: 'refuse' })
    first.record(1)
    first.close()
    const text = readFileSync(join(dir, 'cost.json'), 'utf8')
    writeFileSync(join(dir, 'cost.json'), text.slice(0, -2))
    const logs: string[] = []
    const store = new CostStore({ dataDir: dir, log: (l) => logs.push(l) })
    expect(store.budget).toEqual({ dailyUsd: 0.5, monthlyUsd: null, action: 'refuse' })
    expect(store.breach()).toMatchObject({ cap: 'daily', action: 'refuse', spentUsd: 1 })
    expect(store.problem?.message).toMatch(/^cost\.json: is not valid JSON \(it ends too early\)\. Using the last good copy \(cost\.json\.bak\)/)
    expect(logs.join('\n')).toContain(store.problem!.message)
    // Saving again repairs it: the damaged file is moved aside, not lost.
    store.setBudget({ dailyUsd: 2 })
    expect(store.problem).toBeNull()
    expect(readdirSync(dir).some((f) => f.startsWith('cost.json.damaged-'))).toBe(true)
    store.close()
  })

  it('a damaged cost.json with no good copy refuses the cloud until the budget is saved again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    writeFileSync(join(dir, 'cost.json'), '{"version": 1, "budget": {"dailyUsd": "five"}}')
    const store = new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '100' } })
    expect(store.problem?.message).toMatch(/^cost\.json: budget\.dailyUsd: .*No good copy was found, so every cloud request is refused/)
    expect(store.breach()).toMatchObject({ action: 'refuse', message: store.problem!.message })
    store.setBudget({ dailyUsd: 5 })
    expect(store.breach()).toBeNull()
    expect(store.budget).toEqual({ dailyUsd: 5, monthlyUsd: null, action: 'route-local' })
    store.close()
  })

  it('imports the spend of an older cost.json once, even when a second process read the old file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const today = new Date()
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`
    const legacy = JSON.stringify({ version: 1, budget: { dailyUsd: 3 }, prices: {}, days: { [day]: 1.25 } })
    writeFileSync(join(dir, 'cost.json'), legacy)
    const a = new CostStore({ dataDir: dir })
    writeFileSync(join(dir, 'cost.json'), legacy) // as a process that started at the same moment saw it
    const b = new CostStore({ dataDir: dir })
    expect([a.spentToday(), b.spentToday()]).toEqual([1.25, 1.25])
    expect(JSON.parse(readFileSync(join(dir, 'cost.json'), 'utf8'))).toEqual({ version: 1, budget: { dailyUsd: 3 }, prices: {} })
    a.close()
    b.close()
    const c = new CostStore({ dataDir: dir })
    expect(c.spentToday()).toBe(1.25)
    c.close()
  })
})
