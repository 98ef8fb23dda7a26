import type { PillarScore, RequestOutcome, TelemetryRow } from '../../../shared/telemetry'
import type { ChatOutcome } from '../chat/outcome'
import { nearestCluster } from '../engine/cluster-offsets'

/**
 * One generation, reduced to what telemetry may keep.
 *
 * PRIVACY: this is the one place a ChatOutcome becomes a stored row, and it copies fields
 * one by one on purpose. The prompt and the answer are not in an outcome; but the
 * decision's `explanation`, every pillar's `reason` and `detail`, and every hop's `message`
 * can quote the prompt or an upstream body, so none of them is copied — only ids, enums,
 * the user's own endpoint ids and model names, and numbers. Never spread an outcome here.
 */
export type NewRow = Omit<TelemetryRow, 'at' | 'feedback' | 'retriedBy' | 'cluster' | 'retryOf'> & {
  ts: number
  cluster?: string | null
  retryOf?: string | null
}

const int = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0)
const num = (n: number) => (Number.isFinite(n) ? n : 0)

/** Why a request that was not aborted failed, as a class. */
export function errorClassOf(outcome: ChatOutcome): string | null {
  if (outcome.ok || outcome.aborted) return null
  const last = outcome.hops.at(-1)
  const served = outcome.servedBy
  if (!served) return last ? last.error : 'no-endpoint'
  // The arm that failed last is in the hops when it failed before its first token…
  if (last && last.endpoint === served.endpoint && last.model === served.model) return last.error
  // …and not when text had already streamed: the answer was cut off.
  return 'interrupted'
}

export function outcomeOf(outcome: ChatOutcome): RequestOutcome {
  return outcome.ok ? 'ok' : outcome.aborted ? 'aborted' : 'error'
}

export function rowFromOutcome(outcome: ChatOutcome, ts: number): NewRow {
  const d = outcome.decision
  const pillars: PillarScore[] = d.trace.map((v) => ({ pillar: v.pillar, status: v.status, score: v.score, confidence: v.confidence }))
  return {
    requestId: outcome.requestId,
    ts,
    decisionId: d.id,
    tier: d.tier,
    pinned: d.pinned,
    complexity: num(d.complexity),
    threshold: num(d.threshold),
    pillars,
    servedTier: outcome.servedBy?.tier ?? null,
    endpoint: outcome.servedBy?.endpoint ?? null,
    model: outcome.servedBy?.model ?? null,
    hops: outcome.hops.length,
    hopErrors: outcome.hops.map((h) => h.error),
    outcome: outcomeOf(outcome),
    errorClass: errorClassOf(outcome),
    ttftMs: outcome.ttftMs === null || !Number.isFinite(outcome.ttftMs) ? null : Math.max(0, outcome.ttftMs),
    totalMs: Math.max(0, num(outcome.totalMs)),
    inputTokens: int(outcome.inputTokens),
    outputTokens: int(outcome.outputTokens),
    costUsd: Math.max(0, num(outcome.costUsd)),
    // An id from the user's cluster config, never text from the prompt.
    cluster: nearestCluster(d.trace)?.id ?? null,
    retryOf: outcome.retryOf ?? null,
  }
}
