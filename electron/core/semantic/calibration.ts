/**
 * Fitting a model's thresholds from labelled prompts (what `routellm calibrate` calls).
 * The pillar reports each prompt's margin (detail.margin: nearest cloud cluster's
 * similarity minus nearest local cluster's); a one-dimensional logistic regression
 * p(cloud) = σ((margin − center) / scale) gives center and scale.
 */
import { logistic } from '../../../shared/numbers'
import type { ModelThresholds } from './settings'

export interface MarginSample {
  margin: number
  label: 'local' | 'cloud'
}

export interface FitOptions {
  /** L2 penalty on the slope, keeps separable data finite. Default 1e-4. */
  l2?: number
  /** Keep this minimum similarity (it is not fitted). Default 0. */
  minSimilarity?: number
  now?: Date
}

/** Newton's method on the logistic log-likelihood of (margin, label). */
export function fitThresholds(samples: readonly MarginSample[], opts: FitOptions = {}): ModelThresholds {
  const pos = samples.filter((s) => s.label === 'cloud').length
  if (pos === 0 || pos === samples.length) throw new Error('calibration needs both local and cloud examples')
  const l2 = opts.l2 ?? 1e-4
  // standardise for a well-conditioned fit
  const mean = samples.reduce((a, s) => a + s.margin, 0) / samples.length
  const sd = Math.sqrt(samples.reduce((a, s) => a + (s.margin - mean) ** 2, 0) / samples.length) || 1
  let w = 1
  let b = 0
  for (let it = 0; it < 100; it++) {
    let gw = -l2 * w
    let gb = 0
    let hww = -l2
    let hwb = 0
    let hbb = 0
    for (const s of samples) {
      const x = (s.margin - mean) / sd
      const p = logistic(w * x + b)
      const y = s.label === 'cloud' ? 1 : 0
      gw += (y - p) * x
      gb += y - p
      const v = p * (1 - p)
      hww -= v * x * x
      hwb -= v * x
      hbb -= v
    }
    const det = hww * hbb - hwb * hwb
    if (det === 0) break
    const dw = (hbb * gw - hwb * gb) / det
    const db = (hww * gb - hwb * gw) / det
    w -= dw
    b -= db
    if (Math.abs(dw) + Math.abs(db) < 1e-10) break
  }
  if (!(w > 0)) throw new Error('margins do not separate local from cloud for this model: check its clusters')
  const center = mean - (b / w) * sd
  const scale = sd / w
  const spread = samples.map((s) => Math.abs(s.margin - center)).sort((x, y) => x - y)
  return {
    center,
    scale,
    minSimilarity: opts.minSimilarity ?? 0,
    confidenceMargin: Math.max(1e-3, spread[Math.floor(spread.length / 2)] ?? scale),
    calibratedAt: (opts.now ?? new Date()).toISOString(),
    samples: samples.length,
  }
}
