import type { ErrorClass } from '../../../shared/health'

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

/** Nearest-rank percentile of an ascending sample. */
function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] ?? 0
}

function percentiles(values: number[]): { p50: number; p95: number } | null {
  if (values.length === 0) return null
  values.sort((a, b) => a - b)
  return { p50: nearestRank(values, 50), p95: nearestRank(values, 95) }
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

  stats(now: number): WindowStats {
    const recent = this.recent(now)
    const failures = recent.filter((o) => !o.ok).length
    const ok = recent.filter((o) => o.ok)
    return {
      samples: recent.length,
      failures,
      errorRate: recent.length ? failures / recent.length : null,
      latencyMs: percentiles(ok.map((o) => o.latencyMs).filter((v): v is number => v !== null)),
      ttftMs: percentiles(ok.map((o) => o.ttftMs).filter((v): v is number => v !== null)),
    }
  }

  clear(): void {
    this.ring.fill(undefined)
    this.next = 0
  }
}
