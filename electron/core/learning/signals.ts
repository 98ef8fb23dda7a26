import type { Tier } from '../../../shared/decision'
import type { TelemetryRow } from '../../../shared/telemetry'
import type { TelemetryRules } from '../../../shared/telemetry-rules'

/** The tier a row counts for: where it was answered (or failed last), else where it was sent. */
export const servedTier = (row: Pick<TelemetryRow, 'servedTier' | 'tier'>): Tier => row.servedTier ?? row.tier

/** The judge's score when it ran on this decision, else null. */
export function judgeScore(row: Pick<TelemetryRow, 'pillars'>): number | null {
  const judge = row.pillars.find((p) => p.pillar === 'judge' && p.status === 'scored')
  return judge?.score ?? null
}

/**
 * Whether a local answer failed the user, from the signals the rules count: a thumbs down, a
 * Retry in the cloud, a stop before the end, an error (interrupted, or no local arm could
 * answer), optionally a hard judge score. A thumbs up always means it did not. Cloud answers
 * are never "failed local".
 */
export function failedLocal(row: TelemetryRow, rules: TelemetryRules['failure']): boolean {
  if (servedTier(row) !== 'local' || row.feedback === 'up') return false
  if (rules.thumbsDown && row.feedback === 'down') return true
  if (rules.retriedInCloud && row.retriedBy !== null) return true
  if (rules.stopped && row.outcome === 'aborted') return true
  if (rules.errors && row.outcome === 'error') return true
  const judge = rules.judgeScoreAbove === null ? null : judgeScore(row)
  return judge !== null && rules.judgeScoreAbove !== null && judge >= rules.judgeScoreAbove
}
