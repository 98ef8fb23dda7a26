import { describe, expect, it } from 'vitest'
import type { EndpointStatus, EndpointsReport, NetworkStatus } from '../../../shared/health'
import {
  anyCooling,
  budgetDraftFrom,
  capShare,
  cooldownEnded,
  cooldownLeftMs,
  formatCountdown,
  formatRate,
  formatUsd,
  isAlarm,
  offlineExplanation,
  offlineSwitchOn,
  parseBudgetDraft,
  parseCap,
  endpointDown,
  ollamaHealth,
  systemCondition,
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
