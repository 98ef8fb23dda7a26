/**
 * Pure numeric pieces of the default embedding model: Zipf word frequencies, SIF weights,
 * the common-discourse direction (first principal component) and per-row int8 quantization.
 *
 * Every function here is deterministic: float64 arithmetic in a fixed order, no Math.pow,
 * no randomness, so the same source vectors always give the same bytes.
 */

/** Parameters of the smooth-inverse-frequency model (Arora, Liang, Ma 2017). */
export interface SifParams {
  /** SIF smoothing constant a in a / (a + p(w)); the paper's default is 1e-3. */
  a: number
  /** Zipf–Mandelbrot offset q in p(r) ∝ 1 / (r + q); 2.7 is Mandelbrot's fit for English. */
  zipfOffset: number
  /**
   * Typical sentence length used to derive the common-discourse direction in closed form
   * (the second moment of a sentence embedding of n i.i.d. words).
   */
  sentenceLength: number
  /** Remove the first principal component (Arora et al.'s "common component removal"). */
  removePrincipalComponent: boolean
}

/**
 * a = 3e-3 rather than the paper's 1e-3: with frequencies estimated from rank (not counted),
 * and for intent rather than topic, the most frequent words ("how", "many", "write", "why")
 * carry signal and should not be weighted down as hard. Common-component removal is
 * implemented but off: on RouteLLM's own probe prompts it removed the register signal
 * (instruction vs. chat) that routing needs, and lowered separation.
 */
export const DEFAULT_SIF: SifParams = { a: 3e-3, zipfOffset: 2.7, sentenceLength: 16, removePrincipalComponent: false }

/**
 * Word probability from frequency rank under a Zipf–Mandelbrot law with exponent 1:
 * p(r) = (1 / (r + q)) / Σ_{k=1..total} 1 / (k + q). The source package ships words in
 * corpus frequency order but no counts, so the rank is the only frequency signal.
 */
export function zipfNormaliser(total: number, q: number): number {
  let z = 0
  for (let k = total; k >= 1; k--) z += 1 / (k + q) // smallest terms first: less rounding
  return z
}

export function zipfProbability(rank1: number, q: number, normaliser: number): number {
  return 1 / (rank1 + q) / normaliser
}

export function sifWeight(p: number, a: number): number {
  return a / (a + p)
}

/**
 * First principal direction of SIF sentence embeddings, in closed form. A sentence of n
 * words drawn i.i.d. with probability p(w) has embedding x = (1/n) Σ c(w) v(w), whose
 * uncentred second moment is
 *   E[x xᵀ] = (1/n) Σ_w p(w) c(w)² v(w) v(w)ᵀ + (1 − 1/n) μ μᵀ,   μ = Σ_w p(w) c(w) v(w).
 * Its top eigenvector (power iteration from μ) is the "common discourse" direction that
 * Arora et al. remove with an SVD over a corpus; this needs no corpus and no randomness.
 */
export function commonDirection(
  vectors: readonly Float64Array[],
  probs: readonly number[],
  weights: readonly number[],
  dim: number,
  sentenceLength: number,
): Float64Array {
  let psum = 0
  for (const p of probs) psum += p
  const mu = new Float64Array(dim)
  const m = new Float64Array(dim * dim)
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i]!
    const p = probs[i]! / psum
    const c = weights[i]!
    const pc = p * c
    const pcc = pc * c
    for (let r = 0; r < dim; r++) {
      mu[r]! += pc * v[r]!
      const vr = pcc * v[r]!
      for (let s = 0; s < dim; s++) m[r * dim + s]! += vr * v[s]!
    }
  }
  const n = sentenceLength
  for (let r = 0; r < dim; r++) {
    for (let s = 0; s < dim; s++) m[r * dim + s] = m[r * dim + s]! / n + (1 - 1 / n) * mu[r]! * mu[s]!
  }
  let u = Float64Array.from(mu)
  normaliseInPlace(u)
  for (let it = 0; it < 500; it++) {
    const next = new Float64Array(dim)
    for (let r = 0; r < dim; r++) {
      let acc = 0
      for (let s = 0; s < dim; s++) acc += m[r * dim + s]! * u[s]!
      next[r] = acc
    }
    normaliseInPlace(next)
    let delta = 0
    for (let r = 0; r < dim; r++) delta = Math.max(delta, Math.abs(next[r]! - u[r]!))
    u = next
    if (delta < 1e-13) break
  }
  // Fix the sign so the direction does not flip between runs or platforms.
  let dot = 0
  for (let r = 0; r < dim; r++) dot += u[r]! * mu[r]!
  if (dot < 0) for (let r = 0; r < dim; r++) u[r] = -u[r]!
  return u
}

export function normaliseInPlace(v: Float64Array): void {
  let n = 0
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!
  n = Math.sqrt(n)
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n
}

/** v − u (u·v): the part of v orthogonal to the unit vector u. */
export function removeDirection(v: Float64Array, u: Float64Array): Float64Array {
  let d = 0
  for (let i = 0; i < v.length; i++) d += v[i]! * u[i]!
  const out = new Float64Array(v.length)
  for (let i = 0; i < v.length; i++) out[i] = v[i]! - d * u[i]!
  return out
}

/**
 * Symmetric per-row int8 quantization: q = round(v / s), s = max|v| / 127. The SIF weight is
 * folded into the stored scale (scale = weight · s), so the graph computes weight · v with
 * one multiply. A zero row (padding, unknown word) gets scale 0.
 */
export function quantizeRow(v: Float64Array, weight: number, out: Int8Array, offset: number): number {
  let max = 0
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!))
  if (max === 0 || weight === 0) {
    out.fill(0, offset, offset + v.length)
    return 0
  }
  const s = max / 127
  for (let i = 0; i < v.length; i++) {
    const q = Math.round(v[i]! / s)
    out[offset + i] = q > 127 ? 127 : q < -127 ? -127 : q
  }
  return Math.fround(s * weight)
}
