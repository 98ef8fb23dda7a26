import { isPrivacyPinned, type Decision, type PillarVerdict } from '../../../shared/decision'
import type { RoutingGate, TierOverrideResult } from '../health/routing-gate'
import type { Arm } from '../providers/types'

/** The arms to try for one request, in order, or why none can be tried. */
export type ArmPlan = { decision: Decision; arms: Arm[]; claimedProbes: string[] } | { decision: Decision; error: string }

const TIER_NAMES = { local: 'Local', cloud: 'Cloud' } as const

function same(a: Arm, b: Arm): boolean {
  return a.endpoint === b.endpoint && a.model === b.model
}

/** Whether `arms` hold the model on the endpoint (nothing is held for a decision without one). */
function includes(arms: readonly Arm[], endpoint: string | null, model: string | null): boolean {
  for (const a of arms) if (a.endpoint === endpoint && a.model === model) return true
  return false
}

function withOverride(decision: Decision, override: Extract<TierOverrideResult, { tier: unknown }>): Decision {
  const verdict: PillarVerdict = {
    pillar: 'health',
    status: 'short-circuit',
    score: null,
    confidence: 1,
    reason: override.reason,
    ms: 0,
    tier: override.tier,
    detail: { from: decision.tier, cause: override.pinned },
  }
  return {
    ...decision,
    tier: override.tier,
    pinned: override.pinned,
    endpoint: null,
    model: null,
    explanation:
      `${decision.explanation} ${TIER_NAMES[decision.tier]} is unavailable (${override.reason}), so ${TIER_NAMES[override.tier]} answers instead.`.trim(),
    trace: [...decision.trace, verdict],
  }
}

/** The tier's usable arms with the router's pick first when it is usable (the gate's own array when it already is first). */
function pickFirst(decision: Decision, gate: RoutingGate): readonly Arm[] {
  const arms = gate.listArms(decision.tier)
  const first = arms[0]
  if (!decision.endpoint || !decision.model || (first?.endpoint === decision.endpoint && first.model === decision.model)) return arms
  const pick: Arm = { endpoint: decision.endpoint, model: decision.model, tier: decision.tier }
  if (!gate.usable(pick)) return arms
  const ordered = [pick]
  for (const a of arms) if (!same(a, pick)) ordered.push(a)
  return ordered
}

/**
 * Turn a decision into the arms to try. Health gets the last word at execution time (the
 * engine may have decided a moment ago, or without the health hook): the tier override is
 * applied again, the router's pick goes first when it is usable, the other arms of the tier
 * follow (healthy, degraded, probing), then the other tier when that is allowed — local
 * after cloud always (it is free and private), cloud after local only when the prompt is
 * not pinned to local (privacy or the user's override) and the cloud is not blocked.
 */
export function planArms(input: Decision, gate: RoutingGate): ArmPlan {
  let decision = input
  const override = gate.tierOverride({ tier: decision.tier, pinned: decision.pinned, trace: decision.trace })
  if (override && 'error' in override) {
    return { decision: { ...decision, pinned: override.pinned ?? decision.pinned, endpoint: null, model: null }, error: override.error }
  }
  if (override) decision = withOverride(decision, override)

  const primary = pickFirst(decision, gate)
  // An endpoint due for a probe (half-open, or degraded and due) goes first: a live request
  // finds out whether it recovered, and if not, failover before the first token hides it.
  // At most one degraded probe per request; the caller gives it back if it went unused.
  const claimedProbes: string[] = []
  const arms: Arm[] = []
  for (const a of primary) {
    const kind = gate.claimProbe(a, claimedProbes.length === 0)
    if (kind === 'degraded') claimedProbes.push(a.endpoint)
    if (kind !== null) arms.push(a)
  }
  const probes = arms.length
  for (const a of primary) if (probes === 0 || !arms.includes(a)) arms.push(a)
  const privacy = isPrivacyPinned(decision)
  const localOnly = privacy || (decision.pinned === 'override' && decision.tier === 'local')
  const fallback = decision.tier === 'cloud' ? gate.listArms('local') : localOnly || gate.cloudBlock() ? [] : gate.listArms('cloud')
  for (const a of fallback) if (!includes(primary, a.endpoint, a.model)) arms.push(a)
  const first = arms[0]
  if (!first) {
    for (const endpoint of claimedProbes) gate.releaseProbe(endpoint)
    return { decision: { ...decision, endpoint: null, model: null }, error: `No model is available: ${gate.whyUnavailable(decision.tier)}.` }
  }
  if (!includes(primary, decision.endpoint, decision.model)) {
    const moved = first.tier !== decision.tier
    decision = { ...decision, endpoint: first.endpoint, model: first.model, tier: first.tier, ...(moved ? { pinned: 'health' as const } : {}) }
  }
  return { decision, arms, claimedProbes }
}
