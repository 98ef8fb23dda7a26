import { quantiles, round } from '../../../shared/numbers'

/**
 * Evaluation metrics over (score, label) pairs where cloud is the positive class and a
 * prompt routes to the cloud when its score exceeds the threshold.
 */

export interface Scored {
  score: number
  /** True when the prompt should go to the cloud. */
  cloud: boolean
}

/**
 * Area under the ROC curve: the probability that a random cloud prompt scores above a
 * random local one, ties counting half (Mann–Whitney U with midranks). Null when one class
 * is missing.
 */
export function auroc(items: readonly Scored[]): number | null {
  const positives = items.filter((i) => i.cloud).length
  const negatives = items.length - positives
  if (positives === 0 || negatives === 0) return null
  const sorted = [...items].sort((a, b) => a.score - b.score)
  let rankSumPositive = 0
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++
    const midrank = (i + 1 + j) / 2
    for (let k = i; k < j; k++) if (sorted[k]!.cloud) rankSumPositive += midrank
    i = j
  }
  return (rankSumPositive - (positives * (positives + 1)) / 2) / (positives * negatives)
}

export interface AtThreshold {
  threshold: number
  /** Share of cloud prompts routed to the cloud (null without cloud prompts). */
  cloudRecall: number | null
  /** Share of all prompts routed local. */
  localShare: number
  accuracy: number
}

export function atThreshold(items: readonly Scored[], threshold: number): AtThreshold {
  let truePositive = 0
  let positives = 0
  let local = 0
  let correct = 0
  for (const i of items) {
    const routedCloud = i.score > threshold
    if (i.cloud) positives++
    if (i.cloud && routedCloud) truePositive++
    if (!routedCloud) local++
    if (routedCloud === i.cloud) correct++
  }
  const n = items.length || 1
  return {
    threshold,
    cloudRecall: positives ? truePositive / positives : null,
    localShare: local / n,
    accuracy: correct / n,
  }
}

/**
 * The highest threshold that still sends at least `targetRecall` of the cloud prompts to the
 * cloud, i.e. the one that keeps the most prompts local. It sits halfway between the lowest
 * cloud score that must stay above it and the next lower score, so small score noise does
 * not flip the boundary prompt. Null without cloud prompts.
 */
export function thresholdForRecall(items: readonly Scored[], targetRecall: number): number | null {
  const cloudScores = items
    .filter((i) => i.cloud)
    .map((i) => i.score)
    .sort((a, b) => b - a)
  if (cloudScores.length === 0) return null
  const needed = Math.max(1, Math.ceil(targetRecall * cloudScores.length - 1e-9))
  const boundary = cloudScores[needed - 1]!
  const below = items.map((i) => i.score).filter((s) => s < boundary)
  const next = below.length ? Math.max(...below) : Math.max(0, boundary - 1)
  return round((boundary + next) / 2, 2)
}

/**
 * The threshold that sends `share` of the prompts to the cloud (score above it): halfway
 * between the lowest score that must go to the cloud and the next lower one, so ties and small
 * score noise do not flip the boundary prompt. With ties at the boundary the share reached is
 * the nearest one the scores allow.
 */
export function thresholdForCloudShare(scores: readonly number[], share: number): number {
  if (scores.length === 0) throw new Error('no prompts to calibrate on')
  const sorted = [...scores].sort((a, b) => b - a)
  const cloud = Math.round(share * sorted.length)
  if (cloud <= 0) return 100
  if (cloud >= sorted.length) return Math.max(0, round(sorted.at(-1)! - 0.05, 2))
  return round((sorted[cloud - 1]! + sorted[cloud]!) / 2, 2)
}

/** Median and 99th percentile of decision times, ms to the microsecond (nearest rank); zeros for none. */
export function latencyFigures(latencies: readonly number[]): { p50: number; p99: number } {
  const q = quantiles(latencies, { p50: 0.5, p99: 0.99 })
  return { p50: round(q?.p50 ?? 0, 3), p99: round(q?.p99 ?? 0, 3) }
}
