import type { ErrorClass } from '../../../shared/health'
import type { ProviderError } from '../providers/types'
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type BreakerState, type Ticket } from './circuit-breaker'
import { RollingWindow, type WindowStats } from './rolling-window'
import { medianOfSorted } from '../../../shared/numbers'

export type { Ticket } from './circuit-breaker'

export interface HealthOptions extends Partial<BreakerOptions> {
  /** The clock (ms); tests pass a fake one. */
  now?: () => number
  /** Rolling window: at most this many outcomes, none older than windowMs. */
  windowSize?: number
  windowMs?: number
  /** Open the circuit when the window's error rate reaches this (with at least tripMinSamples outcomes). */
  tripErrorRate?: number
  tripMinSamples?: number
  /** Degraded: error rate at or above this (with at least degradedMinSamples outcomes in degradedWindowMs)... */
  degradedErrorRate?: number
  degradedMinSamples?: number
  /**
   * Degradation looks only this far back, so an endpoint that got no traffic while degraded
   * is tried again (as healthy) once its bad figures are this old.
   */
  degradedWindowMs?: number
  /** A degraded endpoint still gets one live request (a probe) this often, so its recovery is seen. */
  degradedProbeMs?: number
  /** ...or recent time to first token above latencyFactor × its own baseline (and latencyFloorMs more). */
  latencyFactor?: number
  latencyFloorMs?: number
  baselineMinSamples?: number
  /** A model an endpoint said it does not serve is skipped this long. */
  modelMissingMs?: number
}

/** Failure classes that say nothing about the endpoint's health. */
const NEUTRAL: ReadonlySet<ErrorClass> = new Set(['aborted', 'context-length', 'bad-request', 'model-missing', 'offline'])
/**
 * Failures that may be this process's own (a rejected key, a rate limit on a key another
 * process may not use): the circuit they open is not offered to other processes.
 */
const OWN: ReadonlySet<ErrorClass> = new Set(['misconfigured', 'rate-limited'])

/** A circuit this process opened because the endpoint itself failed (other processes may wait it out too). */
export interface CircuitOpening {
  endpoint: string
  /** On the monitor's clock. */
  openUntil: number
  reason: string
}

/** Whether an endpoint may be tried and how it ranks: what routing asks on every request. */
export interface EndpointCondition {
  breaker: BreakerState
  degraded: boolean
  misconfigured: boolean
  reason: string | null
}

export interface EndpointHealth extends EndpointCondition {
  cooldownRemainingMs: number | null
  stats: WindowStats
  lastError: { error: ErrorClass; message: string; at: number } | null
}

const RECENT_TTFT = 5
const BASELINE_ALPHA = 0.02
/** Where slowBy sorts the recent times to first token (it runs after every streamed success; nothing is allocated). */
const ttftScratch = new Float64Array(RECENT_TTFT)

/**
 * An endpoint's condition as last worked out, and the span of time it holds for. Routing asks
 * for it several times per request; it is a function of the record and the clock, so it
 * holds until the record changes (every change drops it) or the clock reaches an instant
 * where it may turn by time alone: the circuit's cooldown ends, or an outcome counted for
 * degradation grows too old to count.
 */
interface CachedCondition {
  condition: EndpointCondition
  /** Worked out at this instant (a clock set back asks again). */
  from: number
  /** Holds while the clock is before this: the end of the circuit's cooldown. */
  before: number
  /** Holds while the clock is at or before this: the oldest counted outcome still counts then. */
  through: number
}

class EndpointRecord {
  readonly breaker: CircuitBreaker
  readonly window: RollingWindow
  baselineTtft: number | null = null
  baselineSamples = 0
  /** The last few times to first token, with when they were seen. */
  readonly recentTtft: Array<{ at: number; ms: number }> = []
  lastError: EndpointHealth['lastError'] = null
  degradedSince: number | null = null
  lastDegradedProbe = 0
  degradedProbeOut = false
  cached: CachedCondition | null = null
  /** The condition listeners last heard of. */
  announced: EndpointCondition | null = null

  constructor(breaker: BreakerOptions, size: number, maxAgeMs: number) {
    this.breaker = new CircuitBreaker(breaker)
    this.window = new RollingWindow(size, maxAgeMs)
  }

  /** Record a time to first token; the baseline learns only while the endpoint is not slow. */
  observeTtft(at: number, ms: number, slow: boolean): void {
    this.recentTtft.push({ at, ms })
    if (this.recentTtft.length > RECENT_TTFT) this.recentTtft.shift()
    if (slow) return
    this.baselineTtft = this.baselineTtft === null ? ms : this.baselineTtft + BASELINE_ALPHA * (ms - this.baselineTtft)
    this.baselineSamples += 1
  }
}

/**
 * Health of every endpoint: a rolling window of outcomes (error rate, latency, time to first
 * token), a circuit breaker, and degradation (errors, or latency far above the endpoint's own
 * baseline). Attempts ask `acquire` first and report exactly one of success / failure /
 * release with the ticket they got.
 */
export class HealthMonitor {
  private readonly records = new Map<string, EndpointRecord>()
  /** Until when a model is skipped, by endpoint then model. */
  private readonly missing = new Map<string, Map<string, number>>()
  private readonly listeners = new Set<() => void>()
  private readonly openingListeners = new Set<(opening: CircuitOpening) => void>()
  readonly now: () => number
  private readonly o: Required<Omit<HealthOptions, 'now' | keyof BreakerOptions>>
  private readonly breakerOptions: BreakerOptions

  constructor(options: HealthOptions = {}) {
    this.now = options.now ?? Date.now
    this.breakerOptions = {
      failureThreshold: options.failureThreshold ?? DEFAULT_BREAKER.failureThreshold,
      baseCooldownMs: options.baseCooldownMs ?? DEFAULT_BREAKER.baseCooldownMs,
      maxCooldownMs: options.maxCooldownMs ?? DEFAULT_BREAKER.maxCooldownMs,
      misconfiguredCooldownMs: options.misconfiguredCooldownMs ?? DEFAULT_BREAKER.misconfiguredCooldownMs,
    }
    this.o = {
      windowSize: options.windowSize ?? 50,
      windowMs: options.windowMs ?? 5 * 60_000,
      tripErrorRate: options.tripErrorRate ?? 0.5,
      tripMinSamples: options.tripMinSamples ?? 10,
      degradedErrorRate: options.degradedErrorRate ?? 0.2,
      degradedMinSamples: options.degradedMinSamples ?? 5,
      degradedWindowMs: options.degradedWindowMs ?? 30_000,
      degradedProbeMs: options.degradedProbeMs ?? 5_000,
      latencyFactor: options.latencyFactor ?? 3,
      latencyFloorMs: options.latencyFloorMs ?? 250,
      baselineMinSamples: options.baselineMinSamples ?? 20,
      modelMissingMs: options.modelMissingMs ?? 10 * 60_000,
    }
  }

  private record(endpoint: string): EndpointRecord {
    let r = this.records.get(endpoint)
    if (!r) {
      r = new EndpointRecord(this.breakerOptions, this.o.windowSize, this.o.windowMs)
      this.records.set(endpoint, r)
    }
    return r
  }

  /** Whether an attempt would be let through now: circuit closed, or half-open with the probe slot free. */
  available(endpoint: string): boolean {
    return this.record(endpoint).breaker.available(this.now())
  }

  /** Permission for one attempt; null while the circuit is open. The caller must report back. */
  acquire(endpoint: string): Ticket | null {
    const ticket = this.record(endpoint).breaker.acquire(this.now())
    if (ticket?.probe) this.changed(endpoint)
    return ticket
  }

  success(endpoint: string, ticket: Ticket, timing: { latencyMs: number; ttftMs: number | null }): void {
    const r = this.record(endpoint)
    const now = this.now()
    const baseline = r.baselineTtft
    const normal =
      timing.ttftMs === null || baseline === null || timing.ttftMs <= this.o.latencyFactor * baseline || timing.ttftMs - baseline <= this.o.latencyFloorMs
    // The circuit's probe came back fine: the outage is over, its failures no longer describe the endpoint.
    if (r.breaker.success(ticket)) {
      r.window.clear()
      if (normal) r.recentTtft.length = 0
    }
    if (r.degradedProbeOut) {
      r.degradedProbeOut = false
      // A degraded endpoint answered at its usual speed: forget the evidence against it. An
      // answer with no first-token time (a whole, non-streamed one) clears the failures only:
      // it says nothing of how fast the endpoint starts, so a slow start stays on record.
      if (normal) {
        r.window.clear()
        if (timing.ttftMs !== null) r.recentTtft.length = 0
      }
    }
    r.window.push({ at: now, ok: true, error: null, latencyMs: timing.latencyMs, ttftMs: timing.ttftMs })
    if (timing.ttftMs !== null) r.observeTtft(now, timing.ttftMs, this.slowBy(r, now) !== null)
    this.changed(endpoint)
  }

  failure(endpoint: string, ticket: Ticket, error: ProviderError, timing: { latencyMs: number } = { latencyMs: 0 }): void {
    const r = this.record(endpoint)
    const now = this.now()
    r.degradedProbeOut = false
    if (NEUTRAL.has(error.errorClass)) {
      r.breaker.release(ticket)
      if (error.errorClass !== 'aborted') r.lastError = { error: error.errorClass, message: error.message, at: now }
      this.changed(endpoint)
      return
    }
    r.lastError = { error: error.errorClass, message: error.message, at: now }
    const wasOpen = r.breaker.state(now) === 'open'
    r.window.push({ at: now, ok: false, error: error.errorClass, latencyMs: timing.latencyMs, ttftMs: null })
    r.breaker.failure(ticket, now, {
      immediate: error.unreachable || error.errorClass === 'rate-limited',
      misconfigured: error.errorClass === 'misconfigured',
      ...(error.errorClass === 'rate-limited' ? { cooldownMs: error.retryAfterMs ?? this.breakerOptions.baseCooldownMs } : {}),
      reason: error.message,
    })
    const stats = r.window.stats(now)
    if (stats.samples >= this.o.tripMinSamples && (stats.errorRate ?? 0) >= this.o.tripErrorRate) {
      r.breaker.trip(now, `${Math.round((stats.errorRate ?? 0) * 100)}% of the last ${stats.samples} requests failed`)
    }
    if (wasOpen === false && r.breaker.state(now) === 'open' && !OWN.has(error.errorClass)) {
      const opening = { endpoint, openUntil: now + (r.breaker.cooldownRemaining(now) ?? 0), reason: r.breaker.reason ?? error.message }
      for (const listener of this.openingListeners) listener(opening)
    }
    this.changed(endpoint)
  }

  /** Hears each circuit this process opens because the endpoint failed (not for a rejected key or a rate limit). */
  onOpened(listener: (opening: CircuitOpening) => void): () => void {
    this.openingListeners.add(listener)
    return () => this.openingListeners.delete(listener)
  }

  /** Another process opened this endpoint's circuit until `openUntil`: wait it out here too. True when it changed anything. */
  adoptOpening(endpoint: string, openUntil: number, reason: string): boolean {
    if (!this.record(endpoint).breaker.adopt(this.now(), openUntil, `${reason} (seen by another RouteLLM process)`)) return false
    this.changed(endpoint)
    return true
  }

  /** The attempt ended without a verdict on the endpoint (e.g. never started). */
  release(endpoint: string, ticket: Ticket): void {
    const r = this.record(endpoint)
    r.degradedProbeOut = false
    r.breaker.release(ticket)
    this.changed(endpoint)
  }

  /** A degraded endpoint whose next live request should go to it, to see whether it recovered. */
  degradedProbeDue(endpoint: string): boolean {
    const r = this.record(endpoint)
    if (r.degradedProbeOut || !this.condition(endpoint).degraded) return false
    const since = Math.max(r.lastDegradedProbe, r.degradedSince ?? 0)
    return this.now() - since >= this.o.degradedProbeMs
  }

  /** Take the degraded endpoint's probe for this request (at most one per degradedProbeMs). */
  claimDegradedProbe(endpoint: string): boolean {
    if (!this.degradedProbeDue(endpoint)) return false
    const r = this.record(endpoint)
    r.lastDegradedProbe = this.now()
    r.degradedProbeOut = true
    return true
  }

  /** A claimed degraded probe that was not used (the request ended first). */
  releaseDegradedProbe(endpoint: string): void {
    this.record(endpoint).degradedProbeOut = false
  }

  markModelMissing(endpoint: string, model: string): void {
    let models = this.missing.get(endpoint)
    if (!models) this.missing.set(endpoint, (models = new Map()))
    models.set(model, this.now() + this.o.modelMissingMs)
  }

  modelMissing(endpoint: string, model: string): boolean {
    const until = this.missing.get(endpoint)?.get(model)
    return until !== undefined && until > this.now()
  }

  /** Breaker and degradation without the window's latency percentiles, which only the health report shows. */
  condition(endpoint: string): EndpointCondition {
    return this.conditionOf(this.record(endpoint), this.now())
  }

  health(endpoint: string): EndpointHealth {
    const r = this.record(endpoint)
    const now = this.now()
    return {
      ...this.conditionOf(r, now),
      cooldownRemainingMs: r.breaker.cooldownRemaining(now),
      stats: r.window.stats(now),
      lastError: r.lastError,
    }
  }

  private conditionOf(r: EndpointRecord, now: number): EndpointCondition {
    const cached = r.cached
    if (cached && cached.from <= now && now < cached.before && now <= cached.through) return cached.condition
    const breaker = r.breaker.state(now)
    // Open: it half-opens when the cooldown ends. Closed: degradation may turn when the oldest
    // outcome it counts ages out. Half-open: only the probe's outcome moves it.
    let through = Infinity
    let degradedBy: string | null = null
    if (breaker === 'closed') {
      const recent = r.window.tally(now, this.o.degradedWindowMs)
      through = this.countedUntil(r, now, recent.oldestAt)
      degradedBy = this.degradation(r, now, recent)
    }
    const condition = {
      breaker,
      degraded: degradedBy !== null,
      misconfigured: r.breaker.isMisconfigured,
      reason: breaker === 'closed' ? degradedBy : r.breaker.reason,
    }
    r.cached = { condition, from: now, before: r.breaker.turnsAt(now), through }
    return condition
  }

  /**
   * The last instant at which every outcome and time to first token that degradation counts
   * now still counts, given the oldest counted outcome's time (the window drops an outcome
   * after whichever of its own age and degradedWindowMs is shorter).
   */
  private countedUntil(r: EndpointRecord, now: number, oldestAt: number): number {
    let until = oldestAt + Math.min(this.o.windowMs, this.o.degradedWindowMs)
    for (const x of r.recentTtft) if (now - x.at <= this.o.degradedWindowMs) until = Math.min(until, x.at + this.o.degradedWindowMs)
    return until
  }

  private degradation(r: EndpointRecord, now: number, { samples, failures }: { samples: number; failures: number }): string | null {
    if (samples >= this.o.degradedMinSamples && failures / samples >= this.o.degradedErrorRate) {
      return `${Math.round((failures / samples) * 100)}% of the last ${samples} requests failed`
    }
    return this.slowBy(r, now)
  }

  /** "first token takes 900 ms, 9× its usual 100 ms" when the recent median is far above the baseline. */
  private slowBy(r: EndpointRecord, now: number): string | null {
    const baseline = r.baselineTtft
    if (baseline === null || r.baselineSamples < this.o.baselineMinSamples) return null
    let n = 0
    for (const x of r.recentTtft) if (now - x.at <= this.o.degradedWindowMs) ttftScratch[n++] = x.ms
    // recentTtft keeps at most RECENT_TTFT entries, so a full count fills the scratch exactly.
    if (n < RECENT_TTFT) return null
    const median = medianOfSorted(ttftScratch.sort()) ?? 0
    if (median > this.o.latencyFactor * baseline && median - baseline > this.o.latencyFloorMs) {
      return `first token takes ${Math.round(median)} ms, ${Math.round(median / Math.max(baseline, 1))}× its usual ${Math.round(baseline)} ms`
    }
    return null
  }

  /** Forget an endpoint's failures (its settings or key changed); all endpoints when no id. */
  reset(endpoint?: string): void {
    const ids = endpoint ? [endpoint] : [...this.records.keys()]
    for (const id of ids) {
      const r = this.records.get(id)
      if (!r) continue
      r.breaker.reset()
      r.window.clear()
      r.lastError = null
      this.changed(id)
    }
    if (!endpoint) this.missing.clear()
  }

  /** Give every endpoint disabled for a rejected key or wrong URL a new chance (keys or settings changed). */
  resetMisconfigured(): void {
    for (const [id, r] of this.records) {
      if (!r.breaker.isMisconfigured) continue
      r.breaker.reset()
      r.lastError = null
      this.changed(id)
    }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Every change to a record ends here (the cached condition is dropped first). */
  private changed(endpoint: string): void {
    const r = this.record(endpoint)
    r.cached = null
    const h = this.condition(endpoint)
    if (h.degraded) r.degradedSince ??= this.now()
    else r.degradedSince = null
    const last = r.announced
    if (last && last.breaker === h.breaker && last.degraded === h.degraded && last.misconfigured === h.misconfigured) return
    r.announced = h
    for (const listener of this.listeners) {
      try {
        listener()
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
