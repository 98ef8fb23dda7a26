import type { ErrorClass } from '../../../shared/health'
import { P50_P95, quantiles } from '../../../shared/numbers'

export interface Outcome {
  at: number
  ok: boolean
  error: ErrorClass | null
  /** Whole request, ms (successes only feed the latency figures). */
  latencyMs: number | null
  /** Time to first token, ms. */
  ttftMs: number | null
}

export interface WindowStats {
  samples: number
  failures: number
  errorRate: number | null
  latencyMs: { p50: number; p95: number } | null
  ttftMs: { p50: number; p95: number } | null
}

/**
 * The recent outcomes of one endpoint: at most `size` entries and none older than `maxAgeMs`.
 * A fixed-size ring, so memory stays bounded whatever the traffic.
 */
export class RollingWindow {
  private readonly ring: Array<Outcome | undefined>
  private next = 0

  constructor(
    private readonly size = 50,
    private readonly maxAgeMs = 5 * 60_000,
  ) {
    this.ring = new Array<Outcome | undefined>(size)
  }

  push(outcome: Outcome): void {
    this.ring[this.next] = outcome
    this.next = (this.next + 1) % this.size
  }

  /** Outcomes still inside the window, oldest first. */
  recent(now: number): Outcome[] {
    const out: Outcome[] = []
    for (let i = 0; i < this.size; i++) {
      const o = this.ring[(this.next + i) % this.size]
      if (o && now - o.at <= this.maxAgeMs) out.push(o)
    }
    return out
  }

  /**
   * The outcomes of the last `maxAgeMs` (and inside the window): how many, how many failed, and
   * when the oldest of them was (Infinity when none). Nothing is copied.
   */
  tally(now: number, maxAgeMs: number): { samples: number; failures: number; oldestAt: number } {
    const maxAge = Math.min(maxAgeMs, this.maxAgeMs)
    let samples = 0
    let failures = 0
    let oldestAt = Infinity
    for (const o of this.ring) {
      if (!o || now - o.at > maxAge) continue
      samples += 1
      if (!o.ok) failures += 1
      oldestAt = Math.min(oldestAt, o.at)
    }
    return { samples, failures, oldestAt }
  }

  stats(now: number): WindowStats {
    const recent = this.recent(now)
    const failures = recent.filter((o) => !o.ok).length
    const ok = recent.filter((o) => o.ok)
    return {
      samples: recent.length,
      failures,
      errorRate: recent.length ? failures / recent.length : null,
      latencyMs: quantiles(
        ok.map((o) => o.latencyMs).filter((v): v is number => v !== null),
        P50_P95,
      ),
      ttftMs: quantiles(
        ok.map((o) => o.ttftMs).filter((v): v is number => v !== null),
        P50_P95,
      ),
    }
  }

  clear(): void {
    this.ring.fill(undefined)
    this.next = 0
  }
}
