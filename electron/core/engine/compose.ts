import type { PillarId, PillarVerdict } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'

export interface Contribution {
  pillar: PillarId
  score: number
  /** policy weight × the pillar's confidence */
  weight: number
  /** Share of the index this pillar accounts for, 0–1. */
  share: number
}

export interface ComplexityIndex {
  /** 0–100, one decimal. */
  index: number
  contributions: Contribution[]
}

type ScoringPillar = keyof Policy['weights']
const isScoring = (id: PillarId): id is ScoringPillar => id === 'rules' || id === 'semantic' || id === 'judge'

/**
 * The complexity index: the mean of the scoring pillars' scores, each weighted by its
 * policy weight times its own confidence, so an unsure pillar moves the index less and an
 * abstaining one not at all. Null when no pillar scored.
 */
export function composeIndex(verdicts: readonly PillarVerdict[], weights: Policy['weights']): ComplexityIndex | null {
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
  const index = scored.reduce((sum, s) => sum + s.score * s.weight, 0) / total
  return {
    index: Math.round(Math.min(100, Math.max(0, index)) * 10) / 10,
    contributions: scored.map((s) => ({ ...s, weight: Math.round(s.weight * 1000) / 1000, share: Math.round((s.weight / total) * 1000) / 1000 })),
  }
}
