import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EndpointConfig } from '../../../shared/endpoints'
import { FakeClock } from '../chat/test-harness'
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
    expect(store.breach()).toMatchObject({ cap: 'monthly', action: 'refuse', message: expect.stringMatching(/Monthly budget of \$1\.00 reached \(\$1\.10 spent/) })
  })

  it('persists spend, budget and prices atomically, and the file wins over the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    const a = new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '5' } })
    a.record(0.25)
    a.setBudget({ dailyUsd: 2 })
    a.setPrice('or/mine', { inputPerMTok: 4, outputPerMTok: 8 })
    a.flush()
    const b = new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '5' } })
    expect(b.summary()).toMatchObject({ todayUsd: 0.25, budget: { dailyUsd: 2, monthlyUsd: null, action: 'route-local' }, prices: { 'or/mine': { inputPerMTok: 4 } } })
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    b.setBudget({ dailyUsd: null })
    expect(new CostStore({ dataDir: dir, env: { ROUTELLM_BUDGET_DAILY_USD: '5' } }).budget.dailyUsd).toBeNull()
  })

  it('a corrupt cost.json is set aside with a message, never a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-cost-'))
    writeFileSync(join(dir, 'cost.json'), '{"version": 1, "days": {"yesterday": -4}}')
    const logs: string[] = []
    const store = new CostStore({ dataDir: dir, log: (l) => logs.push(l) })
    expect(store.spentToday()).toBe(0)
    expect(logs.join()).toMatch(/cost.json is not valid/)
    expect(existsSync(join(dir, 'cost.json'))).toBe(false)
    store.record(1)
    store.flush()
    expect(JSON.parse(readFileSync(join(dir, 'cost.json'), 'utf8'))).toMatchObject({ version: 1 })
  })
})
