import { describe, expect, it } from 'vitest'
import type { CostSummary, EndpointStatus, EndpointsReport, NetworkStatus } from '../../../shared/health'
import {
  anyCooling,
  budgetDraftFrom,
  capShare,
  cooldownEnded,
  cooldownLeftMs,
  formatCountdown,
  formatRate,
  formatUsd,
  healthReducer,
  initialHealth,
  isAlarm,
  offlineExplanation,
  offlineSwitchOn,
  parseBudgetDraft,
  parseCap,
  endpointDown,
  ollamaHealth,
  systemCondition,
  type HealthAction,
  type HealthState,
} from './health'

const ONLINE: NetworkStatus = { offline: false, cause: null, reason: null, since: null }

const endpoint = (id: string, over: Partial<EndpointStatus> = {}): EndpointStatus => ({
  id,
  name: id,
  provider: id === 'ollama' ? 'ollama' : 'custom',
  tier: id === 'ollama' ? 'local' : 'cloud',
  baseURL: `http://127.0.0.1:1/${id}`,
  models: ['m'],
  state: 'healthy',
  reason: null,
  samples: 0,
  errorRate: null,
  latencyMs: null,
  ttftMs: null,
  cooldownRemainingMs: null,
  lastError: null,
  key: id === 'ollama' ? 'not-needed' : 'set',
  ...over,
})

const report = (network: NetworkStatus, ...endpoints: EndpointStatus[]): EndpointsReport => ({ network, endpoints })

const summary = (over: Partial<CostSummary> = {}): CostSummary => ({
  todayUsd: 0.5,
  monthUsd: 3,
  budget: { dailyUsd: 2, monthlyUsd: 20, action: 'route-local' },
  exceeded: null,
  prices: {},
  ...over,
})

const err = { message: 'boom', code: 'internal' as const, details: [], hint: null }

const run = (...actions: HealthAction[]): HealthState => actions.reduce(healthReducer, initialHealth)

describe('health reducer', () => {
  it('a pushed event replaces the fetched report and restarts the countdown clock', () => {
    const s = run(
      { type: 'health/requested' },
      { type: 'health/succeeded', report: report(ONLINE, endpoint('ollama'), endpoint('cloud')), at: 1000 },
      { type: 'health/pushed', report: report(ONLINE, endpoint('ollama'), endpoint('cloud', { state: 'open', cooldownRemainingMs: 5000 })), at: 4000 },
    )
    expect(s.loading).toBe(false)
    expect(s.receivedAt).toBe(4000)
    expect(s.report!.endpoints[1]!.state).toBe('open')
  })

  it('a failed refresh keeps the last report and says why', () => {
    const s = run({ type: 'health/succeeded', report: report(ONLINE, endpoint('ollama')), at: 1 }, { type: 'health/requested' }, { type: 'health/failed', error: err })
    expect(s.report!.endpoints).toHaveLength(1)
    expect(s.error).toEqual(err)
    expect(s.loading).toBe(false)
  })

  it('the offline switch updates the network status at once, and reports its own failure', () => {
    const offline: NetworkStatus = { offline: true, cause: 'setting', reason: 'Offline mode is on: cloud endpoints are off', since: '2025-01-01T00:00:00.000Z' }
    let s = run({ type: 'health/succeeded', report: report(ONLINE, endpoint('cloud')), at: 1 }, { type: 'network/requested' })
    expect(s.network.busy).toBe(true)
    s = healthReducer(s, { type: 'network/succeeded', network: offline })
    expect(s.report!.network).toEqual(offline)
    expect(s.network).toEqual({ busy: false, error: null })
    s = healthReducer(healthReducer(s, { type: 'network/requested' }), { type: 'network/failed', error: err })
    expect(s.network).toEqual({ busy: false, error: err })
    expect(s.report!.network).toEqual(offline)
  })

  it('a cost summary fills the budget form until the user edits it', () => {
    let s = run({ type: 'cost/requested' }, { type: 'cost/succeeded', summary: summary() })
    expect(s.costLoading).toBe(false)
    expect(s.budget.draft).toEqual({ daily: '2', monthly: '20', action: 'route-local' })
    s = healthReducer(s, { type: 'budget/changed', field: 'daily', value: '7' })
    s = healthReducer(s, { type: 'cost/succeeded', summary: summary({ todayUsd: 0.9 }) })
    expect(s.budget.draft.daily).toBe('7')
    expect(s.cost!.todayUsd).toBe(0.9)
    s = healthReducer(s, { type: 'budget/reset' })
    expect(s.budget.draft.daily).toBe('2')
    expect(s.budget.dirty).toBe(false)
  })

  it('budget: invalid, fixed field by field, saved, then follows the engine again', () => {
    let s = run({ type: 'cost/succeeded', summary: summary() }, { type: 'budget/changed', field: 'daily', value: 'abc' })
    s = healthReducer(s, { type: 'budget/invalid', fieldErrors: { daily: 'bad', monthly: 'bad too' } })
    s = healthReducer(s, { type: 'budget/changed', field: 'monthly', value: '50' })
    // Editing "monthly" clears its own message and the cross-field one on "daily".
    expect(s.budget.fieldErrors).toEqual({})
    s = healthReducer(s, { type: 'budget/saving' })
    expect(s.budget.saving).toBe(true)
    s = healthReducer(s, { type: 'budget/saved', summary: summary({ budget: { dailyUsd: 5, monthlyUsd: 50, action: 'refuse' } }) })
    expect(s.budget).toMatchObject({ saving: false, dirty: false, message: 'Caps saved.', draft: { daily: '5', monthly: '50', action: 'refuse' } })
    s = healthReducer(s, { type: 'cost/succeeded', summary: summary({ budget: { dailyUsd: 6, monthlyUsd: 50, action: 'refuse' } }) })
    expect(s.budget.draft.daily).toBe('6')
  })

  it('a refused save keeps the typed values and shows the engine error', () => {
    let s = run({ type: 'cost/succeeded', summary: summary() }, { type: 'budget/changed', field: 'daily', value: '3' }, { type: 'budget/saving' })
    s = healthReducer(s, { type: 'budget/failed', error: err })
    expect(s.budget).toMatchObject({ saving: false, error: err, draft: { daily: '3' }, dirty: true })
    s = healthReducer(s, { type: 'budget/changed', field: 'daily', value: '4' })
    expect(s.budget.error).toBeNull()
  })
})

describe('budget form check', () => {
  it('accepts dollars with or without $, empty for no cap, and rounds to cents', () => {
    expect(parseCap('')).toEqual({ ok: true, usd: null })
    expect(parseCap(' $5 ')).toEqual({ ok: true, usd: 5 })
    expect(parseCap('12.505')).toEqual({ ok: true, usd: 12.51 })
    expect(parseCap('.5')).toEqual({ ok: true, usd: 0.5 })
    expect(parseCap('1,200')).toEqual({ ok: true, usd: 1200 })
    expect(parseCap('0')).toEqual({ ok: true, usd: 0 })
  })

  it('rejects words, negatives and absurd caps with a message that says what to type', () => {
    expect(parseCap('abc')).toMatchObject({ ok: false, message: expect.stringMatching(/US dollars/) })
    expect(parseCap('-1')).toMatchObject({ ok: false, message: expect.stringMatching(/negative/) })
    expect(parseCap('5e3')).toMatchObject({ ok: false })
    expect(parseCap('2000000')).toMatchObject({ ok: false, message: expect.stringMatching(/smaller/) })
  })

  it('checks the form as a whole: a daily cap above the monthly one is refused', () => {
    expect(parseBudgetDraft({ daily: '5', monthly: '', action: 'refuse' })).toEqual({ ok: true, budget: { dailyUsd: 5, monthlyUsd: null, action: 'refuse' } })
    const out = parseBudgetDraft({ daily: '30', monthly: '20', action: 'route-local' })
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.fieldErrors.daily).toMatch(/above the monthly cap/)
    const both = parseBudgetDraft({ daily: 'x', monthly: '-2', action: 'route-local' })
    expect(both.ok ? [] : Object.keys(both.fieldErrors).sort()).toEqual(['daily', 'monthly'])
  })

  it('round-trips the engine caps into the form', () => {
    expect(budgetDraftFrom({ dailyUsd: null, monthlyUsd: 12.5, action: 'route-local' })).toEqual({ daily: '', monthly: '12.5', action: 'route-local' })
  })
})

describe('health view helpers', () => {
  it('counts a cooldown down from when the report arrived, never below zero', () => {
    const e = endpoint('cloud', { state: 'open', cooldownRemainingMs: 5000 })
    expect(cooldownLeftMs(e, 1000, 1000)).toBe(5000)
    expect(cooldownLeftMs(e, 1000, 3500)).toBe(2500)
    expect(cooldownLeftMs(e, 1000, 9000)).toBe(0)
    expect(cooldownLeftMs(endpoint('ollama'), 1000, 2000)).toBeNull()
    const s = { report: report(ONLINE, e), receivedAt: 1000 }
    expect(anyCooling(s, 2000)).toBe(true)
    expect(cooldownEnded(s, 2000)).toBe(false)
    expect(anyCooling(s, 7000)).toBe(false)
    expect(cooldownEnded(s, 7000)).toBe(true)
  })

  it('formats countdowns, rates and dollars', () => {
    expect(formatCountdown(null)).toBe('—')
    expect(formatCountdown(4200)).toBe('5 s')
    expect(formatCountdown(125_000)).toBe('2 m 05 s')
    expect(formatCountdown(3_720_000)).toBe('1 h 02 m')
    expect(formatRate(null)).toBe('—')
    expect(formatRate(0)).toBe('0%')
    expect(formatRate(0.004)).toBe('<1%')
    expect(formatRate(0.666)).toBe('67%')
    expect(formatUsd(0)).toBe('$0.00')
    expect(formatUsd(0.00042)).toBe('$0.0004')
    expect(formatUsd(0.000006)).toBe('<$0.0001')
    expect(formatUsd(1234.5)).toBe('$1,234.50')
  })

  it('shares of a cap, and alarms for every state but healthy', () => {
    expect(capShare(1, null)).toBeNull()
    expect(capShare(1, 4)).toBe(25)
    expect(capShare(9, 4)).toBe(100)
    expect(capShare(0, 0)).toBe(0)
    expect(isAlarm('healthy')).toBe(false)
    for (const s of ['degraded', 'open', 'half-open', 'misconfigured', 'offline', 'disabled', 'unreachable'] as const) expect(isAlarm(s)).toBe(true)
  })

  it('says plainly what offline means, and why', () => {
    expect(offlineExplanation(ONLINE)).toBeNull()
    const setting = offlineExplanation({ offline: true, cause: 'setting', reason: 'x', since: null })!
    expect(setting.title).toBe('Cloud is disabled')
    expect(setting.headline).toMatch(/nothing will try to reach it/i)
    expect(setting.cause).toMatch(/you turned offline mode on/i)
    expect(offlineExplanation({ offline: true, cause: 'env', reason: 'x', since: null })!.cause).toMatch(/ROUTELLM_OFFLINE/)
    expect(offlineExplanation({ offline: true, cause: 'detected', reason: 'DNS failed', since: null })!.cause).toMatch(/DNS failed/)
    expect(offlineSwitchOn({ offline: true, cause: 'detected', reason: null, since: null })).toBe(false)
    expect(offlineSwitchOn({ offline: true, cause: 'setting', reason: null, since: null })).toBe(true)
  })
})

describe('systemCondition and the Ollama endpoint (header and Ollama panel)', () => {
  it('is unknown before any report, online when every enabled endpoint is healthy', () => {
    expect(systemCondition(null).condition).toBe('unknown')
    expect(systemCondition(report(ONLINE, endpoint('ollama'), endpoint('cloud', { state: 'disabled' })))).toEqual({ condition: 'online', troubled: [] })
  })

  it('is degraded while an endpoint is open, unreachable or degraded, naming them', () => {
    const r = report(ONLINE, endpoint('ollama', { state: 'unreachable' }), endpoint('cloud', { state: 'open' }))
    expect(systemCondition(r)).toEqual({ condition: 'degraded', troubled: ['ollama unreachable', 'cloud open'] })
  })

  it('offline wins over degraded', () => {
    const off: NetworkStatus = { offline: true, cause: 'setting', reason: 'offline mode is on', since: null }
    expect(systemCondition(report(off, endpoint('ollama'), endpoint('cloud', { state: 'offline' }))).condition).toBe('offline')
  })

  it('finds the Ollama endpoint and says when the engine has stopped sending it anything', () => {
    const r = report(ONLINE, endpoint('cloud'), endpoint('ollama', { state: 'open' }))
    expect(ollamaHealth(r)?.id).toBe('ollama')
    expect(endpointDown(ollamaHealth(r)!)).toBe(true)
    expect(endpointDown(endpoint('ollama', { state: 'degraded' }))).toBe(false)
    expect(ollamaHealth(report(ONLINE, endpoint('cloud')))).toBeNull()
  })
})
