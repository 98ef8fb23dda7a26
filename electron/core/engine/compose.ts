import type { PillarId, PillarVerdict } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'

export interface Contribution {
  pillar: PillarId
  score: number
  /** policy weight × the pillar's confidence */
  weight: number
  /** Share of the index this pillar accounts for (its share of the total weight), 0–1. */
  share: number
  /** The score as evidence: log-odds that the prompt needs the cloud (positive = cloud), logit pooling only. */
  logOdds?: number
}

export interface ComplexityIndex {
  /** 0–100, one decimal. */
  index: number
  contributions: Contribution[]
  pooling: Policy['composition']['pooling']
}

type ScoringPillar = keyof Policy['weights']
const isScoring = (id: PillarId): id is ScoringPillar => id === 'rules' || id === 'semantic' || id === 'judge'

/** What composition reads from the policy. */
export type CompositionPolicy = Pick<Policy, 'weights' | 'threshold' | 'composition'>

/**
 * A score read as the probability that the prompt needs the cloud: the threshold T is even
 * odds, [0, T] maps linearly onto [0, 0.5] and [T, 100] onto [0.5, 1] (the inverse of
 * {@link probabilityToIndex}; the semantic pillar places its scores the same way).
 */
export function indexToProbability(score: number, threshold: number): number {
  const s = Math.min(100, Math.max(0, score))
  const t = Math.min(100, Math.max(0, threshold))
  if (s <= t) return t > 0 ? (s / t) * 0.5 : 0.5
  return t < 100 ? 0.5 + ((s - t) / (100 - t)) * 0.5 : 1
}

/** A probability of needing the cloud placed on 0–100 so that p = 0.5 lands on the threshold. */
export function probabilityToIndex(p: number, threshold: number): number {
  const t = Math.min(100, Math.max(0, threshold))
  const q = Math.min(1, Math.max(0, p))
  return q <= 0.5 ? 2 * q * t : t + (2 * q - 1) * (100 - t)
}

const round1 = (x: number) => Math.round(Math.min(100, Math.max(0, x)) * 10) / 10
const round3 = (x: number) => Math.round(x * 1000) / 1000

/**
 * The complexity index from the scoring pillars' scores, each weighted by its policy weight
 * times its own confidence, so an unsure pillar moves the index less and an abstaining one
 * not at all. With logit pooling (the default) the weighted mean is taken of log-odds rather
 * than of scores: a pillar confidently far on one side of the threshold is not cancelled by
 * one leaning mildly the other way. One pillar alone gives its own score either way. Null
 * when no pillar scored.
 */
export function composeIndex(verdicts: readonly PillarVerdict[], policy: CompositionPolicy): ComplexityIndex | null {
  const { weights, threshold } = policy
  const { pooling, clamp } = policy.composition
  const scored: { pillar: ScoringPillar; score: number; weight: number }[] = []
  for (const v of verdicts) {
    // A policy weight of 0 switches a pillar out of the index.
    if (v.score === null || v.status === 'abstained' || !isScoring(v.pillar) || weights[v.pillar] <= 0) continue
    scored.push({ pillar: v.pillar, score: v.score, weight: weights[v.pillar] * v.confidence })
  }
  if (scored.length === 0) return null
  let total = scored.reduce((sum, s) => sum + s.weight, 0)
  // Every pillar has zero confidence: fall back to the policy weights rather than to nothing.
  if (total <= 0) {
    for (const s of scored) s.weight = weights[s.pillar]
    total = scored.reduce((sum, s) => sum + s.weight, 0)
  }
  const logOdds = (score: number) => {
    const p = Math.min(1 - clamp, Math.max(clamp, indexToProbability(score, threshold)))
    return Math.log(p / (1 - p))
  }
  let index: number
  if (scored.length === 1) index = scored[0]!.score
  else if (pooling === 'mean') index = scored.reduce((sum, s) => sum + s.score * s.weight, 0) / total
  else {
    const pooled = scored.reduce((sum, s) => sum + logOdds(s.score) * s.weight, 0) / total
    index = probabilityToIndex(1 / (1 + Math.exp(-pooled)), threshold)
  }
  return {
    index: round1(index),
    pooling,
    contributions: scored.map((s) => ({
      pillar: s.pillar,
      score: s.score,
      weight: round3(s.weight),
      share: round3(s.weight / total),
      ...(pooling === 'logit' ? { logOdds: Math.round(logOdds(s.score) * 100) / 100 } : {}),
    })),
  }
}
