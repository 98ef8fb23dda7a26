/**
 * The main axes along which a set of sentence embeddings varies (principal components): a
 * handful of numbers that say what a prompt is about relative to others of its kind (money,
 * time, shapes, ages…), where the raw embedding's hundred dimensions would let a small
 * training set learn noise. Power iteration with deflation from a fixed start: no randomness,
 * the same vectors in the same order give the same axes bit for bit.
 */

export interface TopicAxes {
  /** The mean embedding, subtracted before projecting. */
  mean: number[]
  /** Unit axes, largest variance first. */
  axes: number[][]
}

const ITERATIONS = 200

/** The first `count` principal axes of `vectors` (all of one length). */
export function fitTopicAxes(vectors: readonly ArrayLike<number>[], count: number): TopicAxes {
  if (vectors.length === 0) throw new Error('no vectors')
  const d = vectors[0]!.length
  const mean = new Array<number>(d).fill(0)
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j]! += v[j]! / vectors.length
  const cov = new Float64Array(d * d)
  const c = new Float64Array(d)
  for (const v of vectors) {
    for (let j = 0; j < d; j++) c[j] = v[j]! - mean[j]!
    for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[j * d + k]! += c[j]! * c[k]!
  }
  const axes: number[][] = []
  for (let a = 0; a < Math.min(count, d); a++) {
    // A start with a share of every dimension, different per axis.
    let u = Float64Array.from({ length: d }, (_, j) => 1 + ((j * (a + 3)) % 7) / 7)
    for (let it = 0; it < ITERATIONS; it++) {
      const next = new Float64Array(d)
      for (let j = 0; j < d; j++) {
        let s = 0
        for (let k = 0; k < d; k++) s += cov[j * d + k]! * u[k]!
        next[j] = s
      }
      // Deflation: stay orthogonal to the axes already found.
      for (const axis of axes) {
        const dot = axis.reduce((s, x, j) => s + x * next[j]!, 0)
        for (let j = 0; j < d; j++) next[j]! -= dot * axis[j]!
      }
      const norm = Math.hypot(...next)
      if (norm === 0) break
      u = next.map((x) => x / norm)
    }
    // A fixed sign: the largest component positive.
    let largest = 0
    for (let j = 1; j < d; j++) if (Math.abs(u[j]!) > Math.abs(u[largest]!)) largest = j
    const sign = u[largest]! < 0 ? -1 : 1
    axes.push(Array.from(u, (x) => x * sign))
  }
  return { mean, axes }
}

/** Where an embedding lies on each axis. */
export function projectTopics(t: TopicAxes, embedding: ArrayLike<number>): number[] {
  return t.axes.map((axis) => axis.reduce((s, x, j) => s + x * ((embedding[j] ?? 0) - t.mean[j]!), 0))
}

export const topicNames = (count: number) => Array.from({ length: count }, (_, i) => `topic-${i + 1}`)
