/**
 * L2-regularised logistic regression, fitted by Newton's method for a fixed number of
 * iterations on standardised features. No randomness anywhere: the same rows in the same
 * order give the same weights, bit for bit, on every machine that does IEEE double maths.
 */

export interface TrainingRow {
  x: ArrayLike<number>
  /** 1 = the prompt needs the cloud (or the weak model fails it), 0 = local is enough. */
  y: 0 | 1
  /** Importance of the row in the loss (default 1). */
  weight?: number
}

export interface LogisticModel {
  /** Per feature: subtract `mean`, divide by `scale` (scale 1 for a constant feature). */
  mean: number[]
  scale: number[]
  /** One weight per standardised feature. */
  weights: number[]
  bias: number
}

export interface FitOptions {
  /** L2 penalty on the weights (not the bias), per unit of total row weight. */
  l2: number
  iterations?: number
}

export function standardiser(rows: readonly TrainingRow[], dims: number): { mean: number[]; scale: number[] } {
  const mean = new Array<number>(dims).fill(0)
  const scale = new Array<number>(dims).fill(0)
  for (const r of rows) for (let j = 0; j < dims; j++) mean[j]! += r.x[j]!
  for (let j = 0; j < dims; j++) mean[j]! /= rows.length || 1
  for (const r of rows) for (let j = 0; j < dims; j++) scale[j]! += (r.x[j]! - mean[j]!) ** 2
  for (let j = 0; j < dims; j++) {
    const sd = Math.sqrt(scale[j]! / (rows.length || 1))
    scale[j] = sd > 1e-9 ? sd : 1
  }
  return { mean, scale }
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

/** Solves A x = b for symmetric positive definite A (Cholesky); A is overwritten. */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2
    const l = Math.sqrt(Math.max(d, 1e-12))
    a[j * n + j] = l
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!
      a[i * n + j] = s / l
    }
  }
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * y[k]!
    y[i] = s / a[i * n + i]!
  }
  const x = new Float64Array(n)
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!
    x[i] = s / a[i * n + i]!
  }
  return x
}

/** Fits the model; the bias is the last coordinate of the Newton system and is not penalised. */
export function fitLogistic(rows: readonly TrainingRow[], opts: FitOptions): LogisticModel {
  if (rows.length === 0) throw new Error('no training rows')
  const dims = rows[0]!.x.length
  const { mean, scale } = standardiser(rows, dims)
  const n = dims + 1
  const xs = rows.map((r) => {
    const z = new Float64Array(n)
    for (let j = 0; j < dims; j++) z[j] = (r.x[j]! - mean[j]!) / scale[j]!
    z[dims] = 1
    return z
  })
  const totalWeight = rows.reduce((s, r) => s + (r.weight ?? 1), 0)
  const lambda = opts.l2 * totalWeight
  const w = new Float64Array(n)
  const iterations = opts.iterations ?? 12
  for (let it = 0; it < iterations; it++) {
    const grad = new Float64Array(n)
    const hess = new Float64Array(n * n)
    rows.forEach((r, i) => {
      const x = xs[i]!
      let z = 0
      for (let j = 0; j < n; j++) z += w[j]! * x[j]!
      const p = sigmoid(z)
      const c = r.weight ?? 1
      const g = c * (p - r.y)
      const h = c * Math.max(p * (1 - p), 1e-9)
      for (let j = 0; j < n; j++) {
        const xj = x[j]!
        if (xj === 0) continue
        grad[j]! += g * xj
        const hx = h * xj
        for (let k = 0; k <= j; k++) hess[j * n + k]! += hx * x[k]!
      }
    })
    for (let j = 0; j < dims; j++) {
      grad[j]! += lambda * w[j]!
      hess[j * n + j]! += lambda
    }
    hess[dims * n + dims]! += 1e-6
    const step = solveSpd(hess, grad, n)
    for (let j = 0; j < n; j++) w[j]! -= step[j]!
  }
  return { mean, scale, weights: Array.from(w.subarray(0, dims)), bias: w[dims]! }
}

/** The model's log-odds for one feature vector. */
export function logOdds(model: LogisticModel, x: ArrayLike<number>): number {
  let z = model.bias
  for (let j = 0; j < model.weights.length; j++) z += model.weights[j]! * ((x[j]! - model.mean[j]!) / model.scale[j]!)
  return z
}

export const probability = (model: LogisticModel, x: ArrayLike<number>) => sigmoid(logOdds(model, x))
