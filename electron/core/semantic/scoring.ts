/**
 * Scoring a prompt embedding against intent clusters: per-cluster similarity (max,
 * mean of the top-k utterances, or centroid), the margin between the nearest cloud and
 * the nearest local cluster, and its mapping onto the 0–100 complexity index.
 */
import { probabilityToIndex } from '../../../shared/complexity'
import type { Tier } from '../../../shared/decision'
import { logistic, round } from '../../../shared/numbers'
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

/**
 * Every utterance vector of an index in one contiguous row-major matrix, and the centroids
 * in another, so a prompt's similarity to all of them is one matrix-vector product.
 * Built once per index (the index is rebuilt when the clusters change).
 */
interface PackedIndex {
  dim: number
  matrix: Float32Array
  centroids: Float32Array
  /** First row and row count of each cluster, in index order. */
  start: Int32Array
  count: Int32Array
  /** Scratch for the product, reused by every call (scoring is synchronous). */
  sims: Float64Array
}

const packed = new WeakMap<ClusterIndex, PackedIndex>()

function packOf(index: ClusterIndex): PackedIndex {
  let p = packed.get(index)
  if (!p) {
    p = pack(index.clusters, index.dimensions)
    packed.set(index, p)
  }
  return p
}

function pack(clusters: readonly Pick<IndexedCluster, 'vectors' | 'centroid'>[], dim: number): PackedIndex {
  const rows = clusters.reduce((n, c) => n + c.vectors.length, 0)
  const matrix = new Float32Array(rows * dim)
  const centroids = new Float32Array(clusters.length * dim)
  const start = new Int32Array(clusters.length)
  const count = new Int32Array(clusters.length)
  let row = 0
  clusters.forEach((c, i) => {
    start[i] = row
    count[i] = c.vectors.length
    for (const v of c.vectors) matrix.set(v.subarray(0, dim), dim * row++)
    centroids.set(c.centroid.subarray(0, dim), dim * i)
  })
  return { dim, matrix, centroids, start, count, sims: new Float64Array(Math.max(rows, clusters.length)) }
}

/**
 * out[r] = matrix[r] · v for the first `rows` rows. Four running sums per row: one sum is a
 * chain of dependent additions, four let the CPU overlap them (about twice as fast at 100 dims).
 */
function matVec(matrix: Float32Array, rows: number, dim: number, v: Float32Array, out: Float64Array): void {
  const body = dim - (dim % 4)
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let j = 0
    for (; j < body; j += 4) {
      s0 += matrix[o + j]! * v[j]!
      s1 += matrix[o + j + 1]! * v[j + 1]!
      s2 += matrix[o + j + 2]! * v[j + 2]!
      s3 += matrix[o + j + 3]! * v[j + 3]!
    }
    for (; j < dim; j++) s0 += matrix[o + j]! * v[j]!
    out[r] = s0 + s1 + s2 + s3
  }
}

/** Embeds every cluster's utterances (bypassing the prompt cache). */
export async function buildClusterIndex(clusters: readonly Cluster[], embedder: Embedder): Promise<ClusterIndex> {
  const t0 = performance.now()
  const model = await embedder.load()
  const dim = model.dimensions
  const texts = clusters.flatMap((c) => c.utterances)
  const vectors = await embedder.embed(texts, { cache: false })
  const kept: Array<{ c: Cluster; vs: Float32Array[] }> = []
  const skipped: Record<string, string[]> = {}
  let k = 0
  for (const c of clusters) {
    const vs: Float32Array[] = []
    for (const u of c.utterances) {
      const v = vectors[k++]!
      if (isZero(v)) (skipped[c.id] ??= []).push(u)
      else vs.push(v)
    }
    if (vs.length > 0) kept.push({ c, vs })
  }
  const p = pack(
    kept.map(({ vs }) => ({ vectors: vs, centroid: unitMean(vs, dim) })),
    dim,
  )
  // The clusters' vectors and centroids are views into the packed matrices: one copy of each.
  const out: IndexedCluster[] = kept.map(({ c }, i) => ({
    id: c.id,
    name: c.name,
    tier: c.tier,
    origin: c.origin,
    ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
    vectors: Array.from({ length: p.count[i]! }, (_, r) => p.matrix.subarray((p.start[i]! + r) * dim, (p.start[i]! + r + 1) * dim)),
    centroid: p.centroids.subarray(i * dim, (i + 1) * dim),
  }))
  const index: ClusterIndex = { modelId: model.id, dimensions: dim, clusters: out, skipped, builtMs: performance.now() - t0 }
  packed.set(index, p)
  return index
}

/** Mean of the k largest of sims[from, from + n). */
function meanTopK(sims: Float64Array, from: number, n: number, topK: number): number {
  const k = Math.min(topK, n)
  const top = sims.slice(from, from + n).sort()
  let sum = 0
  for (let i = n - k; i < n; i++) sum += top[i]!
  return sum / k
}

function aggregate(sims: Float64Array, from: number, n: number, aggregation: Aggregation, topK: number): number {
  if (aggregation === 'max' || topK <= 1) {
    let best = -Infinity
    for (let i = from; i < from + n; i++) if (sims[i]! > best) best = sims[i]!
    return best
  }
  return meanTopK(sims, from, n, topK)
}

/** One cluster's similarity to a unit vector. */
export function clusterSimilarity(v: Float32Array, c: IndexedCluster, aggregation: Aggregation, topK: number): number {
  if (aggregation === 'centroid') return dot(v, c.centroid)
  const sims = Float64Array.from(c.vectors, (u) => dot(v, u))
  return aggregate(sims, 0, sims.length, aggregation, topK)
}

/** Every cluster's similarity to a unit vector, in index order: one pass over the packed matrix. */
export function clusterSimilarities(v: Float32Array, index: ClusterIndex, aggregation: Aggregation, topK: number): Float64Array {
  const p = packOf(index)
  const n = index.clusters.length
  const out = new Float64Array(n)
  if (aggregation === 'centroid') {
    matVec(p.centroids, n, p.dim, v, out)
    return out
  }
  matVec(p.matrix, p.matrix.length / p.dim, p.dim, v, p.sims)
  for (let i = 0; i < n; i++) out[i] = aggregate(p.sims, p.start[i]!, p.count[i]!, aggregation, topK)
  return out
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

/** The semantic score: the probability placed on the index, to one decimal. */
const indexOf = (p: number, policyThreshold: number) => round(probabilityToIndex(p, policyThreshold), 1)

export function scoreVector(v: Float32Array, index: ClusterIndex, opts: ScoreOptions): SemanticScore {
  const { thresholds } = opts
  const sims = clusterSimilarities(v, index, opts.aggregation, opts.topK)
  const ranked: ClusterMatch[] = index.clusters
    .map((c, i) => {
      const similarity = sims[i]!
      return { id: c.id, name: c.name, tier: c.tier, similarity, matched: similarity >= (c.threshold ?? thresholds.minSimilarity) }
    })
    .sort((a, b) => b.similarity - a.similarity)
  const nearestCloud = ranked.find((m) => m.matched && m.tier === 'cloud') ?? null
  const nearestLocal = ranked.find((m) => m.matched && m.tier === 'local') ?? null
  if (!nearestCloud && !nearestLocal) {
    return { score: indexOf(0.5, opts.policyThreshold), confidence: 0, margin: null, ranked, nearestCloud, nearestLocal }
  }
  // A tier with no matching cluster sits at the model's floor of meaningful similarity.
  const floor = thresholds.minSimilarity
  const margin = (nearestCloud?.similarity ?? floor) - (nearestLocal?.similarity ?? floor)
  const z = (margin - thresholds.center) / thresholds.scale
  const p = logistic(z)
  const bothTiers = nearestCloud !== null && nearestLocal !== null
  const confidence = Math.tanh(Math.abs(margin - thresholds.center) / thresholds.confidenceMargin) * (bothTiers ? 1 : 0.5)
  return {
    score: indexOf(p, opts.policyThreshold),
    confidence: round(confidence, 3),
    margin,
    ranked,
    nearestCloud,
    nearestLocal,
  }
}
