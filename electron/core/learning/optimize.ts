import type { OptimizeReport, Proposal, SideBySide } from '../../../shared/optimize'
import type { Policy, PolicyPatch } from '../../../shared/policy'
import type { TelemetryRow } from '../../../shared/telemetry'
import { MIN_WARMUP_EPSILON, type TelemetryRules } from '../../../shared/telemetry-rules'
import { prepareEvidence, replay, type Evidence } from './replay'
import { failedLocal, servedTier } from './signals'

import type { ClusterOffsetSource } from '../engine/cluster-offsets'

/** The largest offset Optimize Load writes: the policy's cap, within what one policy entry may hold. */
const offsetCap = (policy: Policy) => Math.min(policy.clusterOffsetMax, 30)

/** What Optimize Load reads besides telemetry: the cloud's health and the budget. */
export interface Conditions {
  /** Why the cloud is degraded (an endpoint cooling down, failing or slow), null when it is healthy. */
  cloudDegraded: string | null
  /** Share of the tightest spending cap already spent (0–1+), null when no cap is set. */
  budgetShare: number | null
}

export interface OptimizeInput {
  /** Recent decisions, newest first (what the telemetry rules' evidence window holds). */
  rows: readonly TelemetryRow[]
  policy: Policy
  rules: TelemetryRules
  conditions: Conditions
  now: number
  /** Offsets from elsewhere (the local-model probe), which the router adds too: the replay counts them. */
  offsetSources?: readonly ClusterOffsetSource[]
}

interface ClusterEvidence {
  decisions: number
  localAnswers: number
  failedLocal: number
}

const pct = (x: number) => `${Math.round(x * 100)}%`

function clusterEvidence(rows: readonly TelemetryRow[], failure: TelemetryRules['failure']): Map<string, ClusterEvidence> {
  const out = new Map<string, ClusterEvidence>()
  for (const row of rows) {
    if (row.cluster === null) continue
    const c = out.get(row.cluster) ?? { decisions: 0, localAnswers: 0, failedLocal: 0 }
    c.decisions++
    if (servedTier(row) === 'local') {
      c.localAnswers++
      if (failedLocal(row, failure)) c.failedLocal++
    }
    out.set(row.cluster, c)
  }
  return out
}

/** The next offset of one cluster, or null to leave it: cloudward when its local answers fail, back toward 0 when they stopped. */
function nextOffset(current: number, c: ClusterEvidence, o: TelemetryRules['optimize'], cap: number): { to: number; why: string } | null {
  const rate = c.failedLocal / c.localAnswers
  if (rate >= o.failureRateHigh) {
    // The further above the bar, the bigger the step, never more than the bound.
    const step = Math.min(o.maxClusterStep, Math.max(1, Math.round((rate - o.failureRateLow) * 2 * o.maxClusterStep)))
    const to = Math.min(cap, current + step)
    if (to === current) return null
    return {
      to,
      why: `${c.failedLocal} of ${c.localAnswers} local answers failed (${pct(rate)}, above ${pct(o.failureRateHigh)}): send more of this cluster to the cloud`,
    }
  }
  if (rate <= o.failureRateLow && current !== 0) {
    const step = Math.min(o.driftStep, o.maxClusterStep, Math.abs(current))
    return {
      to: current - Math.sign(current) * step,
      why: `local answers fail again only ${pct(rate)} of the time (${c.failedLocal} of ${c.localAnswers}): drift back toward no offset`,
    }
  }
  return null
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null
}

interface Split {
  recent: TelemetryRow[]
  earlier: TelemetryRow[]
}

function splitRecent(rows: readonly TelemetryRow[], since: number): Split {
  const split: Split = { recent: [], earlier: [] }
  for (const row of rows) (Date.parse(row.at) >= since ? split.recent : split.earlier).push(row)
  return split
}

/** Signals that move the threshold: +1 keeps more local, −1 sends more to the cloud. */
function thresholdSignals(input: OptimizeInput, split: Split): { sign: 1 | -1; why: string }[] {
  const { rules, conditions } = input
  const o = rules.optimize
  const min = o.minEvidence
  const signals: { sign: 1 | -1; why: string }[] = []
  const ttfts = (rows: TelemetryRow[]) => rows.filter((r) => servedTier(r) === 'local' && r.outcome === 'ok' && r.ttftMs !== null).map((r) => r.ttftMs!)
  const [nowTtft, beforeTtft] = [ttfts(split.recent), ttfts(split.earlier)]
  if (nowTtft.length >= min && beforeTtft.length >= min) {
    const [a, b] = [median(nowTtft)!, median(beforeTtft)!]
    if (b > 0 && a >= b * o.ttftRiseFactor)
      signals.push({ sign: -1, why: `local time to first token rose from ${Math.round(b)} ms to ${Math.round(a)} ms (median)` })
  }
  // Cloud price per 1k tokens paid now against before: a rise makes each cloud answer dearer.
  const perToken = (rows: TelemetryRow[]) => {
    const paid = rows.filter((r) => servedTier(r) === 'cloud' && r.outcome === 'ok' && r.inputTokens + r.outputTokens > 0)
    if (paid.length < min) return null
    return paid.reduce((s, r) => s + r.costUsd, 0) / paid.reduce((s, r) => s + r.inputTokens + r.outputTokens, 0)
  }
  const [priceNow, priceBefore] = [perToken(split.recent), perToken(split.earlier)]
  if (priceNow !== null && priceBefore !== null && priceBefore > 0 && priceNow >= priceBefore * 1.2) {
    signals.push({ sign: 1, why: `cloud answers cost ${pct(priceNow / priceBefore - 1)} more per token than before` })
  }
  if (conditions.cloudDegraded) signals.push({ sign: 1, why: `the cloud is degraded (${conditions.cloudDegraded})` })
  if (conditions.budgetShare !== null && conditions.budgetShare >= o.budgetNearShare) {
    signals.push({ sign: 1, why: `${pct(conditions.budgetShare)} of the spending cap is used` })
  }
  return signals
}

/** A candidate policy: today's with some cluster offsets and the threshold replaced. */
function candidate(policy: Policy, offsets: Record<string, number>, threshold: number): Policy {
  return { ...policy, threshold, clusterOffsets: { ...policy.clusterOffsets, ...offsets } }
}

function sideBySide(evidence: Evidence, today: Policy, proposed: Policy, sources: readonly ClusterOffsetSource[]): SideBySide {
  return { today: replay(evidence, today, sources).figures, proposed: replay(evidence, proposed, sources).figures }
}

/**
 * Optimize Load: from recent decisions and what became of them, proposals to move the
 * policy, inside guardrails — a bounded step per run (cluster offsets and threshold), a
 * minimum of evidence per change, offsets that drift back once the failures stop, and the
 * bandit left alone (its exploration never drops). Each proposal carries its reason, its
 * evidence and its replay beside today's policy. Pure: the caller reads telemetry and
 * applies the patch.
 */
export function propose(input: OptimizeInput): OptimizeReport {
  const { rows, policy, rules } = input
  const sources = input.offsetSources ?? []
  const o = rules.optimize
  const evidence = prepareEvidence(rows, rules.failure)
  const notes: string[] = []
  const proposals: Proposal[] = []
  const offsets: Record<string, number> = {}

  for (const [cluster, c] of [...clusterEvidence(rows, rules.failure)].sort(([a], [b]) => a.localeCompare(b))) {
    const current = policy.clusterOffsets[cluster] ?? 0
    if (c.decisions < o.minEvidence || c.localAnswers === 0) {
      if (c.failedLocal > 0 || current !== 0)
        notes.push(
          `cluster "${cluster}": ${c.decisions} decisions, ${c.localAnswers} answered locally; a change needs ${o.minEvidence} decisions with local answers`,
        )
      continue
    }
    const next = nextOffset(current, c, o, offsetCap(policy))
    if (!next) continue
    offsets[cluster] = next.to
    proposals.push({
      id: `cluster:${cluster}`,
      kind: 'cluster-offset',
      cluster,
      from: current,
      to: next.to,
      reason: next.why,
      evidence: { ...c, failureRate: Math.round((c.failedLocal / c.localAnswers) * 1000) / 1000 },
      replay: sideBySide(evidence, policy, candidate(policy, { [cluster]: next.to }, policy.threshold), sources),
    })
  }

  const split = splitRecent(rows, input.now - rules.windows.recentHours * 3_600_000)
  const signals = thresholdSignals(input, split)
  const net = signals.reduce((s, x) => s + x.sign, 0)
  let threshold = policy.threshold
  if (net === 0 && signals.length > 0) notes.push(`threshold left alone: the signals disagree (${signals.map((s) => s.why).join('; ')})`)
  else if (net !== 0) {
    const to = Math.min(100, Math.max(0, policy.threshold + Math.sign(net) * o.maxThresholdStep))
    if (to !== policy.threshold) {
      threshold = to
      const agreeing = signals.filter((s) => s.sign === Math.sign(net)).map((s) => s.why)
      proposals.push({
        id: 'threshold',
        kind: 'threshold',
        cluster: null,
        from: policy.threshold,
        to,
        reason: `${agreeing.join('; ')}: ${net > 0 ? 'keep more prompts on this machine' : 'send more prompts to the cloud'}`,
        evidence: { decisions: rows.length, localAnswers: rows.filter((r) => servedTier(r) === 'local').length, failedLocal: 0, failureRate: null },
        replay: sideBySide(evidence, policy, candidate(policy, {}, to), sources),
      })
    }
  }

  const proposed = candidate(policy, offsets, threshold)
  const violations = guardrailViolations(policy, proposed, rows, rules)
  if (violations.length > 0) throw new Error(`Optimize Load broke its own guardrails: ${violations.join('; ')}`)
  const patch: PolicyPatch | null =
    proposals.length === 0
      ? null
      : { ...(threshold !== policy.threshold ? { threshold } : {}), ...(Object.keys(offsets).length ? { clusterOffsets: offsets } : {}) }
  const oldest = rows.at(-1)?.at ?? new Date(input.now).toISOString()
  return {
    at: new Date(input.now).toISOString(),
    evidence: { since: oldest, decisions: rows.length },
    proposals,
    patch,
    replay: sideBySide(evidence, policy, proposed, sources),
    notes,
  }
}

/**
 * Everything a change of `today` into `proposed` must respect, as a list of what it breaks
 * (empty = within the guardrails): a bounded step for the threshold and each cluster offset,
 * offsets within their cap, enough evidence in a cluster before its offset moves, and the
 * bandit's exploration never lowered (at least 0.1 while an arm has few pulls).
 */
export function guardrailViolations(today: Policy, proposed: Policy, rows: readonly TelemetryRow[], rules: TelemetryRules): string[] {
  const o = rules.optimize
  const out: string[] = []
  if (Math.abs(proposed.threshold - today.threshold) > o.maxThresholdStep + 1e-9) out.push(`threshold moved ${today.threshold} → ${proposed.threshold}`)
  const evidence = clusterEvidence(rows, rules.failure)
  for (const cluster of new Set([...Object.keys(today.clusterOffsets), ...Object.keys(proposed.clusterOffsets)])) {
    const [a, b] = [today.clusterOffsets[cluster] ?? 0, proposed.clusterOffsets[cluster] ?? 0]
    if (a === b) continue
    if (Math.abs(b - a) > o.maxClusterStep + 1e-9) out.push(`cluster "${cluster}" offset moved ${a} → ${b}`)
    if (Math.abs(b) > offsetCap(today)) out.push(`cluster "${cluster}" offset ${b} is past the cap ${offsetCap(today)}`)
    if ((evidence.get(cluster)?.decisions ?? 0) < o.minEvidence) out.push(`cluster "${cluster}" moved on ${evidence.get(cluster)?.decisions ?? 0} decisions`)
  }
  const [e0, e1] = [today.bandit.epsilon, proposed.bandit.epsilon]
  if (e1.warmup < Math.max(MIN_WARMUP_EPSILON, Math.min(e0.warmup, 1)) - 1e-9) out.push(`bandit warm-up exploration lowered to ${e1.warmup}`)
  if (e1.warmupPulls < e0.warmupPulls) out.push(`bandit warm-up pulls lowered to ${e1.warmupPulls}`)
  return out
}
