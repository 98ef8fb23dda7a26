/**
 * RouteLLM's router metrics on outcome data, computed the way lm-sys/RouteLLM does in
 * `routellm/evals/evaluate.py` (generate_results: pct_call_metric, auc_metric, apgr_metric)
 * and `routellm/evals/benchmarks.py` (Benchmark.evaluate):
 * - thresholds are the 11 edges of `pd.qcut(scores, 10, retbins=True)`, i.e. the 0, 10, …,
 *   100 % quantiles of the router's scores with linear interpolation;
 * - at each edge a prompt goes to the strong model when its score is >= the edge (> for the
 *   last edge, so the last point is 0 % strong calls); accuracy is the mean outcome of the
 *   model each prompt went to, in percent;
 * - the points are sorted by % strong calls; AUC is the trapezoid area of accuracy over the
 *   strong-call fraction (np.trapz); APGR is (AUC − weak AUC) / (strong AUC − weak AUC) with the
 *   weak and strong models' accuracies as flat lines over the same span;
 * - CPT(x %) is np.interp of weak + x·(strong − weak) on the accuracy axis, giving the % of
 *   strong calls needed to recover x % of the quality gap.
 * Two deliberate differences: pandas refuses duplicate quantile edges (`duplicates='raise'`),
 * here they are kept (a duplicate adds a zero-width step, so the AUC is unchanged); and the
 * random baseline draws from a seeded PRNG, not Python's `random.seed(0)`.
 */

export interface OutcomeScored {
  /** The router's score: higher = more in need of the strong model. */
  score: number
  /** Outcome of the strong model on the prompt (1/0 correct, or a score). */
  strong: number
  /** Outcome of the weak model. */
  weak: number
}

export interface CurvePoint {
  threshold: number
  /** Share of prompts sent to the strong model, 0–100. */
  strongPercent: number
  /** Mean outcome of the routed answers, in percent of the outcome scale (×100). */
  accuracy: number
}

export interface OutcomeMetrics {
  n: number
  strongAccuracy: number
  weakAccuracy: number
  curve: CurvePoint[]
  /** % strong calls needed to recover 20, 50 and 80 % of the quality gap. */
  cpt20: number
  cpt50: number
  cpt80: number
  auc: number
  /** Average performance gap recovered: 0 = the weak model alone, 1 = the strong model's quality throughout, 0.5 ≈ random. */
  apgr: number
}

/** Quantile of sorted values with linear interpolation (numpy's default, which pandas' qcut uses). */
export function quantileLinear(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** np.interp(x, xp, fp) for a rising xp: clamps to the ends, linear in between. */
export function interp(x: number, xp: readonly number[], fp: readonly number[]): number {
  const last = xp.length - 1
  if (x <= xp[0]!) return fp[0]!
  if (x >= xp[last]!) return fp[last]!
  let lo = 0
  let hi = xp.length
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1)
    if (x >= xp[mid]!) lo = mid + 1
    else hi = mid
  }
  const j = lo - 1
  if (x === xp[j]) return fp[j]!
  return fp[j]! + ((x - xp[j]!) * (fp[j + 1]! - fp[j]!)) / (xp[j + 1]! - xp[j]!)
}

/** np.trapz(y, x). */
export function trapezoid(y: readonly number[], x: readonly number[]): number {
  let area = 0
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2
  return area
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length

/** The quality/cost curve and RouteLLM's metrics for one router's scores. */
export function outcomeMetrics(items: readonly OutcomeScored[], bins = 10): OutcomeMetrics {
  if (items.length === 0) throw new Error('no prompts with outcomes')
  const n = items.length
  const sorted = items.map((i) => i.score).sort((a, b) => a - b)
  const edges = Array.from({ length: bins + 1 }, (_, i) => quantileLinear(sorted, i / bins))
  const curve: CurvePoint[] = edges.map((threshold, i) => {
    const last = i === edges.length - 1
    let strongCalls = 0
    let total = 0
    for (const item of items) {
      const strong = last ? item.score > threshold : item.score >= threshold
      if (strong) strongCalls++
      total += strong ? item.strong : item.weak
    }
    return { threshold, strongPercent: (strongCalls / n) * 100, accuracy: (total / n) * 100 }
  })
  // A stable sort: equal strong-call shares keep their threshold order (they add no area either way).
  const points = [...curve].sort((a, b) => a.strongPercent - b.strongPercent)
  const x = points.map((p) => p.strongPercent / 100)
  const acc = points.map((p) => p.accuracy)
  const strongAccuracy = mean(items.map((i) => i.strong)) * 100
  const weakAccuracy = mean(items.map((i) => i.weak)) * 100
  const cpt = (share: number) =>
    interp(
      share * (strongAccuracy - weakAccuracy) + weakAccuracy,
      acc,
      points.map((p) => p.strongPercent),
    )
  const auc = trapezoid(acc, x)
  const weakAuc = trapezoid(
    x.map(() => weakAccuracy),
    x,
  )
  const strongAuc = trapezoid(
    x.map(() => strongAccuracy),
    x,
  )
  return {
    n,
    strongAccuracy,
    weakAccuracy,
    curve: points,
    cpt20: cpt(0.2),
    cpt50: cpt(0.5),
    cpt80: cpt(0.8),
    auc,
    apgr: (auc - weakAuc) / (strongAuc - weakAuc),
  }
}
