import type { Decision, PillarId, Tier } from '../../../shared/decision'
import { round } from '../../../shared/numbers'
import { BUILTIN_PRICES } from '../cost/prices'
import type { DatasetItem } from './dataset'
import { latencyFigures } from './metrics'
import type { Router } from './router'

export interface PillarAgreement {
  /** Decisions in which the pillar gave a score. */
  scored: number
  abstained: number
  /** Share of its scored decisions where its own side of the threshold matched the final tier. */
  agreesWithTier: number | null
  /** Share matching the line's label, when the batch is labelled. */
  agreesWithLabel: number | null
}

/** One routed line, without the prompt text: a report must not echo secrets. */
export interface SimulatedDecision {
  line: number
  id?: string
  tier: Tier
  complexity: number
  pinned: Decision['pinned']
  model: string | null
  tokens: number
  estimatedCostUsd: number
  label?: Tier
  ms: number
}

export interface SimulationReport {
  n: number
  threshold: number
  tiers: Record<Tier, number>
  localShare: number
  pinned: Record<string, number>
  agreement: Partial<Record<PillarId, PillarAgreement>>
  cost: {
    /** Everything sent to the default cloud model. */
    allCloudUsd: number
    routedUsd: number
    savedUsd: number
    savedShare: number
    assumedOutputTokens: number
  }
  latencyMs: { p50: number; p99: number }
  decisions: SimulatedDecision[]
}

export interface Price {
  inputPerMTok: number
  outputPerMTok: number
}

/** The price of a cloud model; null = unknown (the policy's baseline cloud price is used). */
export type PriceOf = (model: string) => Price | null

const builtinPrice: PriceOf = (model) => BUILTIN_PRICES[model] ?? null

function costUsd(tokens: number, price: Price, outputTokens: number): number {
  return (tokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000
}

export interface SimulateOptions {
  /** Prices of cloud models (hosts pass their cost store's); default the built-in list. */
  priceOf?: PriceOf
  onDecision?: (d: SimulatedDecision) => void
}

/**
 * Routes a batch without generating anything and reports the tier split, how often each
 * pillar agreed with the outcome, and the cost against sending everything to the cloud.
 */
export async function simulate(router: Router, items: readonly DatasetItem[], opts: SimulateOptions = {}): Promise<SimulationReport> {
  const policy = router.policy()
  const baseline = policy.simulation.cloudPrice
  const out = policy.simulation.assumedOutputTokens
  const priceOf = opts.priceOf ?? builtinPrice
  const tiers: Record<Tier, number> = { local: 0, cloud: 0 }
  const pinned: Record<string, number> = {}
  const counts = new Map<PillarId, { scored: number; abstained: number; tierAgree: number; labelled: number; labelAgree: number }>()
  const decisions: SimulatedDecision[] = []
  const latencies: number[] = []
  let allCloud = 0
  let routed = 0

  for (const item of items) {
    const d = await router.decide(item.prompt)
    const tokens = d.tokens ?? 0
    tiers[d.tier]++
    if (d.pinned) pinned[d.pinned] = (pinned[d.pinned] ?? 0) + 1
    latencies.push(d.ms)
    allCloud += costUsd(tokens, baseline, out)
    const cost = d.tier === 'cloud' ? costUsd(tokens, (d.model ? priceOf(d.model) : null) ?? baseline, out) : 0
    routed += cost
    for (const v of d.trace) {
      if (v.pillar === 'bandit') continue
      const c = counts.get(v.pillar) ?? { scored: 0, abstained: 0, tierAgree: 0, labelled: 0, labelAgree: 0 }
      counts.set(v.pillar, c)
      if (v.score === null || v.status === 'abstained') {
        c.abstained++
        continue
      }
      c.scored++
      const own: Tier = v.score > d.threshold ? 'cloud' : 'local'
      if (own === d.tier) c.tierAgree++
      if (item.label) {
        c.labelled++
        if (own === item.label) c.labelAgree++
      }
    }
    const entry: SimulatedDecision = {
      line: item.line,
      ...(item.id !== undefined ? { id: item.id } : {}),
      tier: d.tier,
      complexity: d.complexity,
      pinned: d.pinned,
      model: d.model,
      tokens,
      estimatedCostUsd: round(cost, 6),
      ...(item.label ? { label: item.label } : {}),
      ms: d.ms,
    }
    decisions.push(entry)
    opts.onDecision?.(entry)
  }

  const agreement: SimulationReport['agreement'] = {}
  for (const [pillar, c] of counts) {
    agreement[pillar] = {
      scored: c.scored,
      abstained: c.abstained,
      agreesWithTier: c.scored ? round(c.tierAgree / c.scored, 4) : null,
      agreesWithLabel: c.labelled ? round(c.labelAgree / c.labelled, 4) : null,
    }
  }
  const n = items.length
  return {
    n,
    threshold: policy.threshold,
    tiers,
    localShare: n ? round(tiers.local / n, 4) : 0,
    pinned,
    agreement,
    cost: {
      allCloudUsd: round(allCloud, 6),
      routedUsd: round(routed, 6),
      savedUsd: round(allCloud - routed, 6),
      savedShare: allCloud > 0 ? round((allCloud - routed) / allCloud, 4) : 0,
      assumedOutputTokens: out,
    },
    latencyMs: latencyFigures(latencies),
    decisions,
  }
}
