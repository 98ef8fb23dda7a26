/**
 * Scoring a prompt embedding against intent clusters: per-cluster similarity (max,
 * mean of the top-k utterances, or centroid), the margin between the nearest cloud and
 * the nearest local cluster, and its mapping onto the 0–100 complexity index.
 */
import type { Tier } from '../../../shared/decision'
import type { Cluster, ClusterOrigin } from './clusters'
import type { Embedder } from './embedder'
import type { Aggregation, ModelThresholds } from './settings'

export interface IndexedCluster {
  id: string
  name: string
  tier: Tier
  threshold?: number
  origin: ClusterOrigin
  /** Unit vectors of the utterances the model could embed. */
  vectors: Float32Array[]
  /** Unit-length mean of `vectors`. */
  centroid: Float32Array
}

export interface ClusterIndex {
  modelId: string
  dimensions: number
  clusters: IndexedCluster[]
  /** Utterances that embedded to zero (no known word), by cluster id. */
  skipped: Record<string, string[]>
  builtMs: number
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!
  return s
}

export function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false
  return true
}

function unitMean(vs: readonly Float32Array[], dim: number): Float32Array {
  const m = new Float32Array(dim)
  for (const v of vs) for (let i = 0; i < dim; i++) m[i]! += v[i]!
  let n = 0
  for (let i = 0; i < dim; i++) n += m[i]! * m[i]!
  n = Math.sqrt(n)
  if (n > 0) for (let i = 0; i < dim; i++) m[i] = m[i]! / n
  return m
}

/** Embeds every cluster's utterances (bypassing the prompt cache). */
export async function buildClusterIndex(clusters: readonly Cluster[], embedder: Embedder): Promise<ClusterIndex> {
  const t0 = performance.now()
  const model = await embedder.load()
  const texts = clusters.flatMap((c) => c.utterances)
  const vectors = await embedder.embed(texts, { cache: false })
  const out: IndexedCluster[] = []
  const skipped: Record<string, string[]> = {}
  let k = 0
  for (const c of clusters) {
    const vs: Float32Array[] = []
    for (const u of c.utterances) {
      const v = vectors[k++]!
      if (isZero(v)) (skipped[c.id] ??= []).push(u)
      else vs.push(v)
    }
    if (vs.length === 0) continue
    out.push({
      id: c.id,
      name: c.name,
      tier: c.tier,
      origin: c.origin,
      ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
      vectors: vs,
      centroid: unitMean(vs, model.dimensions),
    })
  }
  return { modelId: model.id, dimensions: model.dimensions, clusters: out, skipped, builtMs: performance.now() - t0 }
}

/** One cluster's similarity to a unit vector. */
export function clusterSimilarity(v: Float32Array, c: IndexedCluster, aggregation: Aggregation, topK: number): number {
  if (aggregation === 'centroid') return dot(v, c.centroid)
  if (aggregation === 'max' || topK <= 1) {
    let best = -Infinity
    for (const u of c.vectors) best = Math.max(best, dot(v, u))
    return best
  }
  // mean of the k largest, with a small insertion-sorted buffer (k is small)
  const k = Math.min(topK, c.vectors.length)
  const top: number[] = []
  for (const u of c.vectors) {
    const s = dot(v, u)
    if (top.length < k) {
      top.push(s)
      top.sort((a, b) => b - a)
    } else if (s > top[k - 1]!) {
      top[k - 1] = s
      top.sort((a, b) => b - a)
    }
  }
  let sum = 0
  for (const s of top) sum += s
  return sum / k
}

export interface ClusterMatch {
  id: string
  name: string
  tier: Tier
  similarity: number
  /** At or above the cluster's threshold (its own, else the model's minSimilarity). */
  matched: boolean
}

export interface ScoreOptions {
  aggregation: Aggregation
  topK: number
  thresholds: ModelThresholds
  /** The policy's complexity threshold: the score lands here when cloud and local tie. */
  policyThreshold: number
}

export interface SemanticScore {
  /** 0–100 complexity index. */
  score: number
  confidence: number
  /** sim(nearest matched cloud) − sim(nearest matched local); null when nothing matched. */
  margin: number | null
  /** Clusters by similarity, best first. */
  ranked: ClusterMatch[]
  nearestCloud: ClusterMatch | null
  nearestLocal: ClusterMatch | null
}

/**
 * Maps a probability of "needs the cloud" onto 0–100 so that p = 0.5 lands exactly on
 * the policy threshold T: [0, 0.5] → [0, T], [0.5, 1] → [T, 100].
 */
export function probabilityToIndex(p: number, policyThreshold: number): number {
  const t = Math.min(100, Math.max(0, policyThreshold))
  const s = p <= 0.5 ? 2 * p * t : t + (2 * p - 1) * (100 - t)
  return Math.round(Math.min(100, Math.max(0, s)) * 10) / 10
}

export function scoreVector(v: Float32Array, index: ClusterIndex, opts: ScoreOptions): SemanticScore {
  const { thresholds } = opts
  const ranked: ClusterMatch[] = index.clusters
    .map((c) => {
      const similarity = clusterSimilarity(v, c, opts.aggregation, opts.topK)
      return { id: c.id, name: c.name, tier: c.tier, similarity, matched: similarity >= (c.threshold ?? thresholds.minSimilarity) }
    })
    .sort((a, b) => b.similarity - a.similarity)
  const nearestCloud = ranked.find((m) => m.matched && m.tier === 'cloud') ?? null
  const nearestLocal = ranked.find((m) => m.matched && m.tier === 'local') ?? null
  if (!nearestCloud && !nearestLocal) {
    return { score: probabilityToIndex(0.5, opts.policyThreshold), confidence: 0, margin: null, ranked, nearestCloud, nearestLocal }
  }
  // A tier with no matching cluster sits at the model's floor of meaningful similarity.
  const floor = thresholds.minSimilarity
  const margin = (nearestCloud?.similarity ?? floor) - (nearestLocal?.similarity ?? floor)
  const z = (margin - thresholds.center) / thresholds.scale
  const p = 1 / (1 + Math.exp(-z))
  const bothTiers = nearestCloud !== null && nearestLocal !== null
  const confidence = Math.tanh(Math.abs(margin - thresholds.center) / thresholds.confidenceMargin) * (bothTiers ? 1 : 0.5)
  return {
    score: probabilityToIndex(p, opts.policyThreshold),
    confidence: Math.round(confidence * 1000) / 1000,
    margin,
    ranked,
    nearestCloud,
    nearestLocal,
  }
}
