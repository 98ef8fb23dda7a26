import type { CostSummary, EndpointsReport } from '../../../shared/health'
import type { TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'

/**
 * The figures of the telemetry bar at the top, as pure functions of what the panels below
 * already loaded (no RPC of its own) plus the request ends seen live on the event stream.
 */

export const RATE_WINDOW_MS = 60_000

/** Epoch ms at which requests ended: the telemetry rows at load, then live chat.status events. */
export function mergeEnds(ends: ReadonlyMap<string, number>, add: Iterable<[string, number]>, now: number): Map<string, number> {
  const next = new Map<string, number>()
  for (const [id, at] of [...ends, ...add]) if (now - at < RATE_WINDOW_MS && !next.has(id)) next.set(id, at)
  return next
}

export function rowEnds(rows: readonly TelemetryRow[]): Array<[string, number]> {
  return rows.map((r) => [r.requestId, Date.parse(r.at)])
}

/** Requests that ended in the last minute. */
export function requestsPerMinute(ends: ReadonlyMap<string, number>, now: number): number {
  let n = 0
  for (const at of ends.values()) if (now - at < RATE_WINDOW_MS) n++
  return n
}

/**
 * What the local answers would have cost in the cloud, at the average cost of this window's
 * cloud answers; null when there is no cloud answer to price against.
 */
export function savedVsAllCloud(summary: TelemetrySummary): number | null {
  const { local, cloud } = summary.tiers
  const cloudOk = cloud.requests - cloud.errors
  if (cloudOk <= 0) return null
  return ((local.requests - local.errors) * cloud.costUsd) / cloudOk
}

export interface BreakerCount {
  open: number
  halfOpen: number
  total: number
}

/** Circuit breakers not closed, over all enabled endpoints. */
export function breakerCount(report: EndpointsReport | null): BreakerCount | null {
  if (report === null) return null
  const enabled = report.endpoints.filter((e) => e.state !== 'disabled')
  return {
    open: enabled.filter((e) => e.state === 'open' || e.state === 'unreachable' || e.state === 'misconfigured').length,
    halfOpen: enabled.filter((e) => e.state === 'half-open').length,
    total: enabled.length,
  }
}

export interface BarInputs {
  summary: TelemetrySummary | null
  cost: CostSummary | null
  health: EndpointsReport | null
}
