/**
 * A ranking learned inside groups: ridge regression of a target on standardised features after
 * subtracting each group's mean from both (group fixed effects). What differs between groups
 * (one MMLU subject is harder than another) is taken out, so the weights say only what makes
 * one prompt harder than another of the same group, which is what carries over to groups
 * never seen. Closed form, no randomness: the same rows in the same order give the same
 * weights bit for bit.
 */
import { solveSpd, standardiser } from './logistic'

export interface GroupedRow {
  x: ArrayLike<number>
  /** What the ranking should order by (here: strong − weak outcome, the gain of sending it to the cloud). */
  target: number
  group: string
}

export interface RankingModel {
  mean: number[]
  scale: number[]
  weights: number[]
}

/** Fits the within-group ranking; `l2` is the ridge penalty per row. */
export function fitWithinGroups(rows: readonly GroupedRow[], l2: number): RankingModel {
  if (rows.length === 0) throw new Error('no training rows')
  const dims = rows[0]!.x.length
  const { mean, scale } = standardiser(
    rows.map((r) => ({ x: r.x, y: 0 })),
    dims,
  )
  const z = rows.map((r) => Float64Array.from({ length: dims }, (_, j) => (r.x[j]! - mean[j]!) / scale[j]!))
  const byGroup = new Map<string, number[]>()
  rows.forEach((r, i) => {
    const members = byGroup.get(r.group)
    if (members) members.push(i)
    else byGroup.set(r.group, [i])
  })
  const target = rows.map((r) => r.target)
  for (const members of byGroup.values()) {
    const centre = new Float64Array(dims)
    let t = 0
    for (const i of members) {
      for (let j = 0; j < dims; j++) centre[j]! += z[i]![j]! / members.length
      t += target[i]! / members.length
    }
    for (const i of members) {
      for (let j = 0; j < dims; j++) z[i]![j]! -= centre[j]!
      target[i]! -= t
    }
  }
  const gram = new Float64Array(dims * dims)
  const rhs = new Float64Array(dims)
  z.forEach((x, i) => {
    for (let j = 0; j < dims; j++) {
      rhs[j]! += x[j]! * target[i]!
      for (let k = 0; k < dims; k++) gram[j * dims + k]! += x[j]! * x[k]!
    }
  })
  for (let j = 0; j < dims; j++) gram[j * dims + j]! += l2 * rows.length
  return { mean, scale, weights: Array.from(solveSpd(gram, rhs, dims)) }
}

/** The ranking score of one feature vector (higher = more to gain from the cloud). */
export function rankingScore(model: RankingModel, x: ArrayLike<number>): number {
  let s = 0
  for (let j = 0; j < model.weights.length; j++) s += model.weights[j]! * ((x[j]! - model.mean[j]!) / model.scale[j]!)
  return s
}
