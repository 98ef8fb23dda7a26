import type { Decision, PillarId, Tier } from '../../../shared/decision'
import { round } from '../../../shared/numbers'
import type { Pillar } from '../pillars/pillar'
import type { DatasetItem } from './dataset'
import { atThreshold, auroc, latencyFigures, thresholdForRecall, type Scored } from './metrics'
import type { Router } from './router'
import { countTokens } from './tokens'

export interface SourceReport {
  n: number
  cloud: number
  local: number
  auroc: number | null
  cloudRecall: number | null
  localShare: number
  accuracy: number
  meanComplexity: number
}

export interface PillarReport {
  /** Prompts it scored (abstentions are left out of its AUROC). */
  scored: number
  abstained: number
  auroc: number | null
  atDefault: { threshold: number; cloudRecall: number | null; localShare: number; accuracy: number }
}

export interface EvalReport {
  n: number
  /** AUROC of the complexity index, cloud positive. */
  auroc: number | null
  /** What the router does with the policy's own threshold (pins included). */
  atDefault: { threshold: number; cloudRecall: number | null; localShare: number; accuracy: number }
  /** The highest threshold reaching the target cloud recall on this data, and what it gives. */
  atTargetRecall: { targetRecall: number; threshold: number | null; cloudRecall: number | null; localShare: number | null }
  bySource: Record<string, SourceReport>
  latencyMs: { p50: number; p99: number }
  /** Each scoring pillar alone, run on every prompt (no fast path). */
  pillars: Partial<Record<PillarId, PillarReport>>
  pinned: Record<string, number>
}

const r4 = (x: number) => round(x, 4)
const r4OrNull = (x: number | null): number | null => (x === null ? null : r4(x))

/** Decisions a pillar or the user pinned keep their tier whatever the threshold. */
export const isPromptPinned = (d: Decision): boolean => d.pinned === 'privacy' || d.pinned === 'safe-list' || d.pinned === 'override'

/** The score a threshold is tried against: pinned decisions sit past either end, so no threshold moves them. */
export function effectiveScore(d: Decision): number {
  if (isPromptPinned(d)) return d.tier === 'cloud' ? 101 : -1
  return d.complexity
}

function summarise(pairs: readonly Scored[], threshold: number) {
  const at = atThreshold(pairs, threshold)
  return { threshold, cloudRecall: r4OrNull(at.cloudRecall), localShare: r4(at.localShare), accuracy: r4(at.accuracy) }
}

export interface EvaluateOptions {
  router: Router
  items: readonly DatasetItem[]
  targetRecall: number
  /** Pillars to also measure alone (e.g. rules, semantic). */
  pillars?: readonly Pillar[]
}

/**
 * Measures the router on labelled prompts: AUROC of the complexity index, what the policy's
 * own threshold does, the threshold a target recall would need, per source and per pillar.
 */
export async function evaluateRouter(opts: EvaluateOptions): Promise<EvalReport> {
  const policy = opts.router.policy()
  const threshold = policy.threshold
  const labelled = opts.items.filter((i): i is DatasetItem & { label: Tier } => i.label !== undefined)
  const decisions: { item: DatasetItem & { label: Tier }; d: Decision }[] = []
  for (const item of labelled) decisions.push({ item, d: await opts.router.decide(item.prompt) })

  const byIndex: Scored[] = decisions.map(({ item, d }) => ({ score: d.complexity, cloud: item.label === 'cloud' }))
  const effective: Scored[] = decisions.map(({ item, d }) => ({ score: effectiveScore(d), cloud: item.label === 'cloud' }))
  const actual: Scored[] = decisions.map(({ item, d }) => ({ score: d.tier === 'cloud' ? 101 : -1, cloud: item.label === 'cloud' }))

  const fitted = thresholdForRecall(effective, opts.targetRecall)
  const atFitted = fitted === null ? null : atThreshold(effective, fitted)

  const groups = new Map<string, typeof decisions>()
  for (const entry of decisions) {
    const key = entry.item.source ?? 'unknown'
    groups.set(key, [...(groups.get(key) ?? []), entry])
  }
  const bySource: Record<string, SourceReport> = {}
  for (const [source, entries] of groups) {
    const at = atThreshold(
      entries.map(({ item, d }) => ({ score: d.tier === 'cloud' ? 101 : -1, cloud: item.label === 'cloud' })),
      threshold,
    )
    bySource[source] = {
      n: entries.length,
      cloud: entries.filter((e) => e.item.label === 'cloud').length,
      local: entries.filter((e) => e.item.label === 'local').length,
      auroc: r4OrNull(auroc(entries.map(({ item, d }) => ({ score: d.complexity, cloud: item.label === 'cloud' })))),
      cloudRecall: r4OrNull(at.cloudRecall),
      localShare: r4(at.localShare),
      accuracy: r4(at.accuracy),
      meanComplexity: round(entries.reduce((s, e) => s + e.d.complexity, 0) / entries.length, 1),
    }
  }

  const pillars: EvalReport['pillars'] = {}
  for (const pillar of opts.pillars ?? []) {
    const pairs: Scored[] = []
    let abstained = 0
    for (const item of labelled) {
      const v = await pillar.evaluate({ prompt: item.prompt, tokens: countTokens(item.prompt).tokens, policy })
      if (v.score === null || v.status === 'abstained') abstained++
      else pairs.push({ score: v.score, cloud: item.label === 'cloud' })
    }
    pillars[pillar.id] = { scored: pairs.length, abstained, auroc: r4OrNull(auroc(pairs)), atDefault: summarise(pairs, threshold) }
  }

  const pinned: Record<string, number> = {}
  for (const { d } of decisions) if (d.pinned) pinned[d.pinned] = (pinned[d.pinned] ?? 0) + 1
  const latencies = decisions.map(({ d }) => d.ms)
  return {
    n: decisions.length,
    auroc: r4OrNull(auroc(byIndex)),
    atDefault: summarise(actual, threshold),
    atTargetRecall: {
      targetRecall: opts.targetRecall,
      threshold: fitted,
      cloudRecall: r4OrNull(atFitted?.cloudRecall ?? null),
      localShare: atFitted ? r4(atFitted.localShare) : null,
    },
    bySource,
    latencyMs: latencyFigures(latencies),
    pillars,
    pinned,
  }
}
