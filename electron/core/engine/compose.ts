import type { PillarId, PillarVerdict } from '../../../shared/decision'
import { indexToProbability, probabilityToIndex } from '../../../shared/complexity'
import { clamp, logistic, round } from '../../../shared/numbers'
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

/** How far the judge moved the index, and whether its pull was bounded. */
export interface JudgeInfluence {
  /** The index the other pillars gave, without the judge. */
  without: number
  /** Points the judge moved the index, after the bounds. */
  shift: number
  /** True when the bounds cut the judge's pull. */
  bounded: boolean
  /** True when rules and semantic both lean one way with margin and the judge leans the other. */
  contradicts: boolean
}

export interface ComplexityIndex {
  /** 0–100, one decimal. */
  index: number
  contributions: Contribution[]
  pooling: Policy['composition']['pooling']
  /** Set when a judge verdict went into the index. */
  judge?: JudgeInfluence
}

type ScoringPillar = keyof Policy['weights']
const isScoring = (id: PillarId): id is ScoringPillar => id === 'rules' || id === 'semantic' || id === 'judge' || id === 'learned'

/** What composition reads from the policy. */
export type CompositionPolicy = Pick<Policy, 'weights' | 'threshold' | 'composition'>

const round1 = (x: number) => round(clamp(x, 0, 100), 1)
const round3 = (x: number) => round(x, 3)

interface Entry {
  pillar: PillarId
  score: number
  weight: number
}

/** The weighted pool of scores: one entry gives its own score; else the weighted mean of scores or of log-odds. */
function pool(entries: readonly Entry[], policy: CompositionPolicy, logOdds: (score: number) => number): number {
  if (entries.length === 1) return entries[0]!.score
  const total = entries.reduce((sum, e) => sum + e.weight, 0)
  if (policy.composition.pooling === 'mean') return entries.reduce((sum, e) => sum + e.score * e.weight, 0) / total
  const pooled = entries.reduce((sum, e) => sum + logOdds(e.score) * e.weight, 0) / total
  return probabilityToIndex(logistic(pooled), policy.threshold)
}

/** The side rules and semantic both take with at least `margin` points to spare, or null. */
function agreedSide(entries: readonly Entry[], threshold: number, margin: number): 'cloud' | 'local' | null {
  const rules = entries.find((e) => e.pillar === 'rules')
  const semantic = entries.find((e) => e.pillar === 'semantic')
  if (!rules || !semantic) return null
  if (rules.score >= threshold + margin && semantic.score >= threshold + margin) return 'cloud'
  if (rules.score <= threshold - margin && semantic.score <= threshold - margin) return 'local'
  return null
}

/**
 * The complexity index from the scoring pillars' scores, each weighted by its policy weight
 * times its own confidence, so an unsure pillar moves the index less and an abstaining one
 * not at all. With logit pooling (the default) the weighted mean is taken of log-odds rather
 * than of scores: a pillar confidently far on one side of the threshold is not cancelled by
 * one leaning mildly the other way. One pillar alone gives its own score either way. The
 * learned combiner is pooled like the others: rules and semantic keep kinds of task apart on
 * prompts unlike its training data, it ranks prompts inside a kind. Where it has a head for the
 * prompt's kind (multiple-choice questions) that head alone places the prompt. The judge joins last, bounded: it moves the index by at most
 * `judgeMaxShift` points, and never across the threshold against rules and semantic when
 * they agree with margin. Null when no pillar scored.
 */
export function composeIndex(verdicts: readonly PillarVerdict[], policy: CompositionPolicy): ComplexityIndex | null {
  const { weights, threshold } = policy
  const { pooling, clamp: edge } = policy.composition
  const scored: Entry[] = []
  // A learned verdict that places the prompt within its kind (the multiple-choice head) stands for rules and semantic.
  const placing = weights.learned > 0 && verdicts.some((v) => v.pillar === 'learned' && v.status === 'scored' && v.detail?.['placesIndex'] === true)
  for (const v of verdicts) {
    // A policy weight of 0 switches a pillar out of the index.
    if (v.score === null || v.status === 'abstained' || !isScoring(v.pillar) || weights[v.pillar] <= 0) continue
    if (placing && (v.pillar === 'rules' || v.pillar === 'semantic')) continue
    scored.push({ pillar: v.pillar, score: v.score, weight: weights[v.pillar] * v.confidence })
  }
  if (scored.length === 0) return null
  // Every pillar has zero confidence: fall back to the policy weights rather than to nothing.
  if (scored.length > 0 && scored.every((s) => s.weight <= 0)) for (const s of scored) s.weight = weights[s.pillar as ScoringPillar]
  const logOdds = (score: number) => {
    const p = clamp(indexToProbability(score, threshold), edge, 1 - edge)
    return Math.log(p / (1 - p))
  }
  const fast = scored.filter((s) => s.pillar !== 'judge')
  const judge = scored.find((s) => s.pillar === 'judge') ?? null
  let index: number
  let influence: JudgeInfluence | undefined
  if (judge && fast.length > 0) {
    const without = pool(fast, policy, logOdds)
    const { judgeMaxShift, agreementMargin } = policy.composition
    const pulled = pool([...fast, judge], policy, logOdds)
    let shifted = without + Math.max(-judgeMaxShift, Math.min(judgeMaxShift, pulled - without))
    const side = agreedSide(fast, threshold, agreementMargin)
    const contradicts = side !== null && (side === 'cloud' ? judge.score <= threshold : judge.score > threshold)
    // Against clear agreement the judge may move the index, but not across the threshold.
    if (contradicts) shifted = without > threshold ? Math.max(shifted, threshold + 0.1) : Math.min(shifted, threshold - 0.1)
    index = shifted
    influence = { without: round1(without), shift: round1(index) - round1(without), bounded: Math.abs(index - pulled) > 1e-9, contradicts }
    influence.shift = round(influence.shift, 1)
  } else {
    index = pool(scored, policy, logOdds)
  }
  const total = scored.reduce((sum, e) => sum + e.weight, 0)
  return {
    index: round1(index),
    pooling,
    contributions: scored.map((s) => ({
      pillar: s.pillar,
      score: s.score,
      weight: round3(s.weight),
      share: round3(s.weight / total),
      ...(pooling === 'logit' ? { logOdds: round(logOdds(s.score), 2) } : {}),
    })),
    ...(influence ? { judge: influence } : {}),
  }
}
