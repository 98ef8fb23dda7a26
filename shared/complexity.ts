import { clamp } from './numbers'

/**
 * The complexity index (0–100, the policy threshold T being even odds) and the probability
 * that a prompt needs the cloud, each read as the other: pillars that think in probabilities
 * (semantic, the learned combiner, logit pooling) place their scores with these.
 */

/**
 * A score read as the probability that the prompt needs the cloud: the threshold T is even
 * odds, [0, T] maps linearly onto [0, 0.5] and [T, 100] onto [0.5, 1] (the inverse of
 * {@link probabilityToIndex}).
 */
export function indexToProbability(score: number, threshold: number): number {
  const s = clamp(score, 0, 100)
  const t = clamp(threshold, 0, 100)
  if (s <= t) return t > 0 ? (s / t) * 0.5 : 0.5
  return t < 100 ? 0.5 + ((s - t) / (100 - t)) * 0.5 : 1
}

/** A probability of needing the cloud placed on 0–100 so that p = 0.5 lands on the threshold. */
export function probabilityToIndex(p: number, threshold: number): number {
  const t = clamp(threshold, 0, 100)
  const q = clamp(p, 0, 1)
  return q <= 0.5 ? 2 * q * t : t + (2 * q - 1) * (100 - t)
}
