export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number
  /** Cooldown after the first opening; doubled after every failed probe, up to maxCooldownMs. */
  baseCooldownMs: number
  maxCooldownMs: number
  /** A rejected key or a wrong URL waits this long (or until the endpoint's settings change). */
  misconfiguredCooldownMs: number
}

export const DEFAULT_BREAKER: BreakerOptions = {
  failureThreshold: 3,
  baseCooldownMs: 5_000,
  maxCooldownMs: 5 * 60_000,
  misconfiguredCooldownMs: 10 * 60_000,
}

export type BreakerState = 'closed' | 'open' | 'half-open'

/** Permission for one attempt. Only a ticket of the current epoch can move the breaker. */
export interface Ticket {
  readonly probe: boolean
  readonly epoch: number
}

export interface FailureKind {
  /** Open at once (refused connection, rejected key, rate limit), without waiting for the threshold. */
  immediate: boolean
  /** Cool down exactly this long (Retry-After). */
  cooldownMs?: number
  misconfigured?: boolean
  reason: string
}

/**
 * A circuit breaker: closed (traffic flows) → open (cooling down, nothing is sent) →
 * half-open (exactly one request, the probe, is let through) → closed on its success, or
 * open again with a doubled cooldown on its failure. So a cooling endpoint costs at most one
 * failed try per cooldown. Time is passed in, never read, so tests drive it with a fake clock.
 */
export class CircuitBreaker {
  private raw: 'closed' | 'open' = 'closed'
  private openUntil = 0
  private cooldownMs: number
  private consecutive = 0
  private probeOut = false
  private epoch = 0
  private why: string | null = null
  private misconfigured = false

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER) {
    this.cooldownMs = options.baseCooldownMs
  }

  state(now: number): BreakerState {
    if (this.raw === 'closed') return 'closed'
    return now >= this.openUntil ? 'half-open' : 'open'
  }

  get reason(): string | null {
    return this.why
  }

  get isMisconfigured(): boolean {
    return this.misconfigured && this.raw === 'open'
  }

  cooldownRemaining(now: number): number | null {
    return this.raw === 'open' ? Math.max(0, this.openUntil - now) : null
  }

  /** The instant the state turns by time alone (open → half-open at the end of the cooldown); Infinity when it will not. */
  turnsAt(now: number): number {
    return this.state(now) === 'open' ? this.openUntil : Infinity
  }

  /** Would an attempt be let through now (without taking the probe slot)? */
  available(now: number): boolean {
    const state = this.state(now)
    return state === 'closed' || (state === 'half-open' && !this.probeOut)
  }

  /** Take permission for one attempt, or null while open (or while the probe is out). */
  acquire(now: number): Ticket | null {
    const state = this.state(now)
    if (state === 'closed') return { probe: false, epoch: this.epoch }
    if (state === 'open' || this.probeOut) return null
    this.probeOut = true
    return { probe: true, epoch: this.epoch }
  }

  /** Returns true when this success closed an open circuit (the probe came back fine). */
  success(ticket: Ticket): boolean {
    if (ticket.epoch !== this.epoch) return false
    const recovered = ticket.probe && this.raw === 'open'
    if (ticket.probe || this.raw === 'closed') this.close()
    return recovered
  }

  failure(ticket: Ticket, now: number, kind: FailureKind): void {
    if (ticket.epoch !== this.epoch) return
    if (ticket.probe) {
      this.probeOut = false
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.options.maxCooldownMs)
      this.open(now, kind)
      return
    }
    this.consecutive += 1
    if (kind.immediate || kind.misconfigured || this.consecutive >= this.options.failureThreshold) this.open(now, kind)
  }

  /** The attempt ended without saying anything about the endpoint (stopped by the user, prompt too long). */
  release(ticket: Ticket): void {
    if (ticket.epoch === this.epoch && ticket.probe) this.probeOut = false
  }

  /** Open from outside (e.g. the error rate over the window crossed its threshold). */
  trip(now: number, reason: string): void {
    if (this.raw === 'closed') this.open(now, { immediate: true, reason })
  }

  /**
   * Another process saw this endpoint fail and opened its circuit until `openUntil`: wait
   * that out here too. Not while this process's probe is out (its answer decides) or when the
   * circuit is already open at least as long. True when the circuit opened (or stays open longer).
   */
  adopt(now: number, openUntil: number, reason: string): boolean {
    if (openUntil <= now || this.probeOut) return false
    if (this.raw === 'open' && this.openUntil >= openUntil) return false
    this.open(now, { immediate: true, reason })
    this.openUntil = openUntil
    return true
  }

  reset(): void {
    this.close()
    this.cooldownMs = this.options.baseCooldownMs
  }

  private open(now: number, kind: FailureKind): void {
    this.raw = 'open'
    this.misconfigured = kind.misconfigured ?? false
    const wait = kind.misconfigured
      ? this.options.misconfiguredCooldownMs
      : kind.cooldownMs !== undefined
        ? Math.min(Math.max(kind.cooldownMs, 1), this.options.maxCooldownMs)
        : this.cooldownMs
    this.openUntil = now + wait
    this.why = kind.reason
    this.probeOut = false
    this.epoch += 1
  }

  private close(): void {
    if (this.raw !== 'closed') this.epoch += 1
    this.raw = 'closed'
    this.consecutive = 0
    this.probeOut = false
    this.misconfigured = false
    this.why = null
    this.cooldownMs = this.options.baseCooldownMs
  }
}
