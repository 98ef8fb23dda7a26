import { describe, expect, it } from 'vitest'
import { ProviderError } from '../providers/types'
import { FakeClock } from '../../../test/support/chat-harness'
import { HealthMonitor } from './health-monitor'
import { RollingWindow } from './rolling-window'

const unavailable = () => new ProviderError('unavailable', 'a answered 503')

function monitor(clock = new FakeClock(), extra: ConstructorParameters<typeof HealthMonitor>[0] = {}) {
  return new HealthMonitor({ now: clock.now, baseCooldownMs: 1000, failureThreshold: 100, ...extra })
}

function succeed(m: HealthMonitor, id: string, ttftMs: number, latencyMs = ttftMs * 2) {
  m.success(id, m.acquire(id)!, { latencyMs, ttftMs })
}

describe('RollingWindow', () => {
  it('keeps at most its size and forgets outcomes older than its age', () => {
    const w = new RollingWindow(3, 1000)
    for (let i = 0; i < 5; i++) w.push({ at: i * 100, ok: i % 2 === 0, error: null, latencyMs: i, ttftMs: i })
    expect(w.recent(500).map((o) => o.at)).toEqual([200, 300, 400])
    expect(w.stats(1250).samples).toBe(2)
    expect(w.stats(500)).toMatchObject({ samples: 3, failures: 1, latencyMs: { p50: 2, p95: 4 } })
  })
})

describe('HealthMonitor', () => {
  it('reports error rate, p50/p95 latency and time to first token per endpoint', () => {
    const m = monitor()
    for (const ms of [10, 20, 30, 40]) succeed(m, 'a', ms)
    m.failure('a', m.acquire('a')!, unavailable())
    const h = m.health('a')
    expect(h.stats).toMatchObject({ samples: 5, failures: 1, errorRate: 0.2 })
    expect(h.stats.ttftMs).toEqual({ p50: 20, p95: 40 })
    expect(h.stats.latencyMs).toEqual({ p50: 40, p95: 80 })
    expect(h.lastError).toMatchObject({ error: 'unavailable' })
  })

  it('is degraded when the error rate in the window is high, without opening the circuit', () => {
    const m = monitor()
    for (let i = 0; i < 4; i++) succeed(m, 'a', 10)
    m.failure('a', m.acquire('a')!, unavailable())
    m.failure('a', m.acquire('a')!, unavailable())
    expect(m.health('a')).toMatchObject({ breaker: 'closed', degraded: true })
  })

  it('is degraded when time to first token is far above its own baseline, and recovers when it comes back', () => {
    const m = monitor(new FakeClock(), { baselineMinSamples: 20, latencyFactor: 3, latencyFloorMs: 100 })
    for (let i = 0; i < 30; i++) succeed(m, 'a', 100)
    expect(m.health('a').degraded).toBe(false)
    for (let i = 0; i < 5; i++) succeed(m, 'a', 900)
    expect(m.health('a')).toMatchObject({ degraded: true, reason: expect.stringContaining('first token') })
    for (let i = 0; i < 5; i++) succeed(m, 'a', 100)
    expect(m.health('a').degraded).toBe(false)
  })

  it('keeps its latency baseline while slow, and forgets old bad figures so a degraded endpoint gets tried again', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { baselineMinSamples: 20, latencyFloorMs: 100, degradedWindowMs: 30_000 })
    for (let i = 0; i < 30; i++) succeed(m, 'a', 100)
    for (let i = 0; i < 50; i++) succeed(m, 'a', 900) // a long slow spell must not become the new normal
    expect(m.health('a').degraded).toBe(true)
    clock.advance(30_001)
    expect(m.health('a').degraded).toBe(false)
    for (let i = 0; i < 5; i++) succeed(m, 'a', 900)
    expect(m.health('a').degraded).toBe(true)
  })

  it('a degraded endpoint is due for one live probe per interval; a normal answer to it clears the evidence', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { baselineMinSamples: 20, latencyFloorMs: 100, degradedProbeMs: 5000 })
    for (let i = 0; i < 25; i++) succeed(m, 'a', 100)
    expect(m.degradedProbeDue('a')).toBe(false)
    for (let i = 0; i < 5; i++) succeed(m, 'a', 900)
    expect(m.health('a').degraded).toBe(true)
    expect(m.claimDegradedProbe('a')).toBe(false) // just degraded: wait one interval
    clock.advance(5000)
    expect(m.claimDegradedProbe('a')).toBe(true)
    expect(m.claimDegradedProbe('a')).toBe(false) // one at a time
    m.releaseDegradedProbe('a') // the request never used it
    expect(m.claimDegradedProbe('a')).toBe(false) // ...but the interval still runs from the claim
    clock.advance(5000)
    expect(m.claimDegradedProbe('a')).toBe(true)
    succeed(m, 'a', 900) // still slow: stays degraded
    expect(m.health('a').degraded).toBe(true)
    clock.advance(5000)
    expect(m.claimDegradedProbe('a')).toBe(true)
    succeed(m, 'a', 110) // back to normal
    expect(m.health('a').degraded).toBe(false)
  })

  it('a whole answer (no first-token time) to a slow endpoint’s probe does not clear its slowness', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { baselineMinSamples: 20, latencyFloorMs: 100, degradedProbeMs: 5000 })
    for (let i = 0; i < 25; i++) succeed(m, 'a', 100)
    for (let i = 0; i < 5; i++) succeed(m, 'a', 900)
    clock.advance(5000)
    expect(m.claimDegradedProbe('a')).toBe(true)
    // Its total latency is not a first token: recorded as latency, not judged as speed.
    m.success('a', m.acquire('a')!, { latencyMs: 150, ttftMs: null })
    expect(m.health('a')).toMatchObject({ degraded: true, reason: expect.stringContaining('first token') })
    expect(m.health('a').stats.latencyMs).not.toBeNull()
  })

  it('a whole answer to a probe clears a degradation that came from failures', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { degradedProbeMs: 5000 })
    for (let i = 0; i < 4; i++) succeed(m, 'a', 100)
    for (let i = 0; i < 2; i++) m.failure('a', m.acquire('a')!, unavailable())
    expect(m.health('a').degraded).toBe(true)
    clock.advance(5000)
    expect(m.claimDegradedProbe('a')).toBe(true)
    m.success('a', m.acquire('a')!, { latencyMs: 150, ttftMs: null })
    expect(m.health('a').degraded).toBe(false)
  })

  it('its condition follows every change made at the same instant, and the clock moving on', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { baseCooldownMs: 1000 })
    expect(m.condition('a')).toMatchObject({ breaker: 'closed', degraded: false })
    m.failure('a', m.acquire('a')!, new ProviderError('unavailable', 'refused', { unreachable: true }))
    expect(m.condition('a').breaker).toBe('open')
    clock.advance(1000)
    expect(m.condition('a').breaker).toBe('half-open')
    succeed(m, 'a', 100)
    expect(m.condition('a').breaker).toBe('closed')
    for (let i = 0; i < 2; i++) m.failure('a', m.acquire('a')!, unavailable())
    for (let i = 0; i < 3; i++) succeed(m, 'a', 100)
    expect(m.condition('a').degraded).toBe(true)
  })

  it('keeps its worked-out condition while the clock moves, until a change or an instant where time alone turns it', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { degradedWindowMs: 30_000, windowMs: 60_000 })
    succeed(m, 'a', 100)
    const healthy = m.condition('a')
    clock.advance(10_000)
    expect(m.condition('a')).toBe(healthy)
    m.failure('a', m.acquire('a')!, unavailable())
    expect(m.condition('a')).not.toBe(healthy)
  })

  it('a degraded endpoint recovers on the clock alone once its failures are older than the degradation window', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { degradedWindowMs: 30_000, degradedMinSamples: 5 })
    for (let i = 0; i < 3; i++) succeed(m, 'a', 100)
    for (let i = 0; i < 2; i++) m.failure('a', m.acquire('a')!, unavailable())
    expect(m.condition('a').degraded).toBe(true)
    clock.advance(30_000)
    expect(m.condition('a').degraded).toBe(true) // still inside the window, at its very edge
    clock.advance(1)
    expect(m.condition('a')).toMatchObject({ breaker: 'closed', degraded: false })
  })

  it('turns degraded on the clock alone when the successes around a failure age out first', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { degradedWindowMs: 30_000, degradedMinSamples: 5, degradedErrorRate: 0.2 })
    for (let i = 0; i < 10; i++) succeed(m, 'a', 100)
    clock.advance(20_000)
    m.failure('a', m.acquire('a')!, unavailable())
    for (let i = 0; i < 4; i++) succeed(m, 'a', 100)
    expect(m.condition('a').degraded).toBe(false) // 1 failure in 15
    clock.advance(10_001)
    expect(m.condition('a')).toMatchObject({ degraded: true, reason: '20% of the last 5 requests failed' })
  })

  it('an open circuit half-opens on the clock alone, also one adopted from another process', () => {
    const clock = new FakeClock()
    const m = monitor(clock)
    expect(m.condition('a').breaker).toBe('closed')
    expect(m.adoptOpening('a', clock.now() + 2500, 'a answered 503')).toBe(true)
    expect(m.condition('a').breaker).toBe('open')
    clock.advance(2499)
    expect(m.condition('a').breaker).toBe('open')
    clock.advance(1)
    expect(m.condition('a').breaker).toBe('half-open')
  })

  it('opens the circuit when the window error rate crosses the trip threshold', () => {
    const m = monitor(new FakeClock(), { tripMinSamples: 10, tripErrorRate: 0.5 })
    for (let i = 0; i < 5; i++) succeed(m, 'a', 10)
    for (let i = 0; i < 4; i++) m.failure('a', m.acquire('a')!, unavailable())
    expect(m.health('a').breaker).toBe('closed')
    m.failure('a', m.acquire('a')!, unavailable())
    expect(m.health('a').breaker).toBe('open')
  })

  it('does not blame the endpoint for a stop, a too-long prompt, a missing model or a network outage', () => {
    const m = monitor(new FakeClock(), { failureThreshold: 1 })
    for (const cls of ['aborted', 'context-length', 'model-missing', 'bad-request', 'offline'] as const) {
      m.failure('a', m.acquire('a')!, new ProviderError(cls, cls))
    }
    expect(m.health('a')).toMatchObject({ breaker: 'closed', degraded: false })
    expect(m.health('a').stats.samples).toBe(0)
  })

  it('opens at once on a refused connection and on a rejected key (the latter until settings change)', () => {
    const clock = new FakeClock()
    const m = monitor(clock)
    m.failure('a', m.acquire('a')!, new ProviderError('unavailable', 'connection refused', { unreachable: true }))
    expect(m.health('a').breaker).toBe('open')
    m.failure('k', m.acquire('k')!, new ProviderError('misconfigured', 'rejected the API key (401)'))
    expect(m.health('k')).toMatchObject({ breaker: 'open', misconfigured: true })
    clock.advance(60_000)
    expect(m.health('k').breaker).toBe('open')
    m.resetMisconfigured()
    expect(m.health('k').breaker).toBe('closed')
    expect(m.health('a').breaker).toBe('half-open')
  })

  it('remembers a model an endpoint does not serve, for a while', () => {
    const clock = new FakeClock()
    const m = monitor(clock, { modelMissingMs: 1000 })
    m.markModelMissing('a', 'gpt-x')
    expect(m.modelMissing('a', 'gpt-x')).toBe(true)
    expect(m.modelMissing('a', 'gpt-y')).toBe(false)
    clock.advance(1000)
    expect(m.modelMissing('a', 'gpt-x')).toBe(false)
  })

  it('tells listeners when an endpoint changes state, not on every outcome', () => {
    const m = monitor(new FakeClock(), { failureThreshold: 2 })
    let calls = 0
    m.onChange(() => calls++)
    succeed(m, 'a', 10)
    succeed(m, 'a', 10)
    const before = calls
    m.failure('a', m.acquire('a')!, unavailable())
    m.failure('a', m.acquire('a')!, unavailable())
    expect(calls - before).toBeGreaterThanOrEqual(1)
    expect(m.health('a').breaker).toBe('open')
  })
})
