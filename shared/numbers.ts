/** Small arithmetic every runtime uses, written once. */

/** `x` rounded to `digits` decimals (halves up, as Math.round does). */
export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits

/** `x` kept within [lo, hi]. */
export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x))

/** The logistic function: log-odds z as a probability. */
export const logistic = (z: number): number => 1 / (1 + Math.exp(-z))

/** 0-based offset of the nearest-rank q-quantile (q in 0–1) among n ascending values: rank ⌈q·n⌉, kept within 1…n. */
export const rankOffset = (n: number, q: number): number => clamp(Math.ceil(q * n) - 1, 0, n - 1)

/** The nearest-rank q-quantile (q in 0–1) of ascending values; undefined when there are none. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number | undefined {
  return sorted.length === 0 ? undefined : sorted[rankOffset(sorted.length, q)]
}

/** The median of ascending values: the middle one, or the mean of the two middle ones of an even count; undefined when there are none. */
export function medianOfSorted(sorted: ArrayLike<number>): number | undefined {
  const n = sorted.length
  if (n === 0) return undefined
  return (sorted[(n - 1) >> 1]! + sorted[n >> 1]!) / 2
}

/** The latency figures the dashboards show: median and 95th percentile. */
export const P50_P95 = { p50: 0.5, p95: 0.95 } as const

/**
 * Nearest-rank quantiles of a sample, named as the caller names them
 * (`quantiles(latencies, { p50: 0.5, p95: 0.95 })`); null for an empty sample. The sample is
 * not modified.
 */
export function quantiles<K extends string>(values: ArrayLike<number>, at: Record<K, number>): Record<K, number> | null {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  const out = {} as Record<K, number>
  for (const name in at) out[name] = sorted[rankOffset(sorted.length, at[name])]!
  return out
}
