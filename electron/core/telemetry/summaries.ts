import type { Tier } from '../../../shared/decision'
import { P50_P95, quantiles, rankOffset, round } from '../../../shared/numbers'
import type { TelemetrySummary, TierFigures } from '../../../shared/telemetry'
import type { EndpointCount, Statements, Totals } from './sql'

/** The telemetry summary's figures, computed from the prepared statements of sql.ts. */

type Pair = { p50: number; p95: number }
interface TierLatency {
  latencyMs: Pair | null
  ttftMs: Pair | null
}
const nothing: TierLatency = { latencyMs: null, ttftMs: null }

/** Percentiles read at their ranks from an ordered source of n values. */
function ranked(n: number, at: (offset: number) => number | undefined): Pair | null {
  if (n === 0) return null
  return { p50: at(rankOffset(n, P50_P95.p50)) ?? 0, p95: at(rankOffset(n, P50_P95.p95)) ?? 0 }
}

function figuresOf(t: Totals, latency: Record<Tier, TierLatency>, endpoints: EndpointCount[]): Omit<TelemetrySummary, 'windowHours' | 'since'> {
  const tier = (name: Tier): TierFigures => ({
    requests: name === 'local' ? t.local : t.n - t.local,
    errors: name === 'local' ? t.localErrors : t.cloudErrors,
    ...latency[name],
    costUsd: round(name === 'local' ? t.localCost : t.cloudCost, 9),
  })
  const counted = t.n - t.aborted
  return {
    requests: t.n,
    ok: t.ok,
    errors: t.errors,
    aborted: t.aborted,
    localShare: t.n === 0 ? null : t.local / t.n,
    cloudShare: t.n === 0 ? null : (t.n - t.local) / t.n,
    errorRate: counted <= 0 ? null : t.errors / counted,
    tiers: { local: tier('local'), cloud: tier('cloud') },
    costUsd: round(t.cost, 9),
    tokens: { input: t.input, output: t.output },
    feedback: { up: t.up, down: t.down },
    endpoints: endpoints.map((e) => ({ endpoint: e.endpoint, model: e.model, tier: e.tier, requests: e.n, errors: e.errors })),
  }
}

const NO_ROWS: Totals = {
  n: 0,
  ok: 0,
  errors: 0,
  aborted: 0,
  local: 0,
  localErrors: 0,
  cloudErrors: 0,
  cost: 0,
  localCost: 0,
  cloudCost: 0,
  input: 0,
  output: 0,
  up: 0,
  down: 0,
}

/** The figures of a closed store: nothing recorded. */
export const emptyFigures = (): Omit<TelemetrySummary, 'windowHours' | 'since'> => figuresOf(NO_ROWS, { local: nothing, cloud: nothing }, [])

/**
 * The figures of the rows since `since` (epoch ms; null for every row kept). A window that
 * holds every row is answered like no window: over everything kept, the percentiles walk the
 * partial indexes to their rank (no sort), and the totals take a plain scan.
 */
export function figuresSince(s: Statements, since: number | null): Omit<TelemetrySummary, 'windowHours' | 'since'> {
  const oldest = s.oldest.get() ?? null
  const all = since === null || oldest === null || since <= oldest
  const totals = (all ? s.totalsAll.get() : s.totalsSince.get(since)) ?? NO_ROWS
  const endpoints = all ? s.endpointsAll.all() : s.endpointsSince.all(since)
  const latency = (tier: Tier): TierLatency => {
    if (all)
      return {
        latencyMs: ranked(s.okTotalCount.get(tier) ?? 0, (k) => s.okTotalAt.get(tier, k)),
        ttftMs: ranked(s.okTtftCount.get(tier) ?? 0, (k) => s.okTtftAt.get(tier, k)),
      }
    return { latencyMs: quantiles(s.okTotalsSince.all(since, tier), P50_P95), ttftMs: quantiles(s.okTtftsSince.all(since, tier), P50_P95) }
  }
  return figuresOf(totals, { local: latency('local'), cloud: latency('cloud') }, endpoints)
}
