import { describe, expect, it } from 'vitest'
import type { Embedder } from './embedder'
import { buildClusterIndex, clusterSimilarities, clusterSimilarity, scoreVector, type ClusterIndex, type IndexedCluster } from './scoring'
import { BUNDLED_MODEL_THRESHOLDS, DEFAULT_SEMANTIC_SETTINGS, SemanticSettings, thresholdsFor, withThresholds } from './settings'

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs)
  return Float32Array.from(xs.map((x) => x / n))
}
const cluster = (id: string, tier: 'local' | 'cloud', vectors: Float32Array[], threshold?: number): IndexedCluster => ({
  id,
  name: id.toUpperCase(),
  tier,
  origin: 'default',
  vectors,
  centroid: unit(...vectors.reduce((a, v) => a.map((x, i) => x + v[i]!), [0, 0, 0])),
  ...(threshold !== undefined ? { threshold } : {}),
})
const index = (clusters: IndexedCluster[]): ClusterIndex => ({ modelId: 'm', dimensions: 3, clusters, skipped: {}, builtMs: 0 })
const t = { center: 0, scale: 0.05, minSimilarity: 0, confidenceMargin: 0.1, calibratedAt: null }

describe('cluster similarity aggregation', () => {
  const c = cluster('c', 'cloud', [unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0, 1, 0)])
  const v = unit(1, 0, 0)
  it('max takes the nearest utterance; mean-top-k averages the k nearest; centroid uses the mean', () => {
    expect(clusterSimilarity(v, c, 'max', 3)).toBeCloseTo(1, 6)
    expect(clusterSimilarity(v, c, 'mean-top-k', 2)).toBeCloseTo((1 + unit(0.9, 0.1, 0)[0]!) / 2, 6)
    expect(clusterSimilarity(v, c, 'mean-top-k', 10)).toBeCloseTo((1 + unit(0.9, 0.1, 0)[0]! + 0) / 3, 6)
    expect(clusterSimilarity(v, c, 'centroid', 1)).toBeCloseTo(c.centroid[0]!, 6)
  })
})

describe('mapping to the complexity index', () => {
  it('scores toward the nearer tier, with confidence from the margin', () => {
    const idx = index([cluster('code', 'cloud', [unit(1, 0, 0)]), cluster('chat', 'local', [unit(0, 1, 0)])])
    const opts = { aggregation: 'max' as const, topK: 1, thresholds: t, policyThreshold: 65 }
    const cloudish = scoreVector(unit(1, 0.2, 0), idx, opts)
    const localish = scoreVector(unit(0.2, 1, 0), idx, opts)
    const even = scoreVector(unit(1, 1, 0), idx, opts)
    expect(cloudish.score).toBeGreaterThan(90)
    expect(localish.score).toBeLessThan(10)
    expect(even.score).toBe(65)
    expect(even.confidence).toBe(0)
    expect(cloudish.confidence).toBeGreaterThan(0.9)
    expect(cloudish.ranked[0]!.id).toBe('code')
    expect(cloudish.nearestLocal!.id).toBe('chat')
  })

  it('lets a cluster count only above its threshold', () => {
    const idx = index([cluster('code', 'cloud', [unit(1, 0, 0)], 0.99), cluster('chat', 'local', [unit(0, 1, 0)])])
    const r = scoreVector(unit(1, 0.5, 0), idx, { aggregation: 'max', topK: 1, thresholds: t, policyThreshold: 65 })
    expect(r.ranked[0]).toMatchObject({ id: 'code', matched: false })
    expect(r.nearestCloud).toBeNull()
    expect(r.score).toBeLessThan(65)
    const none = scoreVector(unit(0, 0, 1), idx, { aggregation: 'max', topK: 1, thresholds: { ...t, minSimilarity: 0.5 }, policyThreshold: 65 })
    expect(none).toMatchObject({ margin: null, confidence: 0, score: 65 })
  })
})

describe('packed cluster index', () => {
  // A deterministic pseudo-random unit vector of width 7.
  const vec = (seed: number) => unit(...Array.from({ length: 7 }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) + 0.1))
  const words = (id: string, n: number) => Array.from({ length: n }, (_, i) => `${id} ${i}`)
  const defs = [
    { id: 'a', name: 'A', tier: 'cloud' as const, origin: 'default' as const, utterances: words('a', 5) },
    { id: 'b', name: 'B', tier: 'local' as const, origin: 'user' as const, utterances: [...words('b', 3), 'unknown'] },
    { id: 'c', name: 'C', tier: 'cloud' as const, origin: 'default' as const, utterances: words('c', 1) },
  ]
  // An embedder double: a fixed vector per text, zero for "unknown" (no known word).
  const embedder = {
    load: async () => ({ id: 'm', dimensions: 7 }),
    embed: async (texts: readonly string[]) => texts.map((t, i) => (t === 'unknown' ? new Float32Array(7) : vec(i + 1))),
  } as unknown as Embedder

  it('scores every cluster in one pass exactly like cluster-by-cluster, for every aggregation', async () => {
    const idx = await buildClusterIndex(defs, embedder)
    expect(idx.skipped).toEqual({ b: ['unknown'] })
    for (let probe = 0; probe < 5; probe++) {
      const v = vec(100 + probe)
      for (const [aggregation, topK] of [
        ['max', 1],
        ['mean-top-k', 3],
        ['mean-top-k', 10],
        ['centroid', 1],
      ] as const) {
        const all = clusterSimilarities(v, idx, aggregation, topK)
        idx.clusters.forEach((c, i) => expect(all[i]).toBeCloseTo(clusterSimilarity(v, c, aggregation, topK), 12))
      }
    }
  })

  it('keeps one copy of the vectors: the clusters view one contiguous matrix', async () => {
    const idx = await buildClusterIndex(defs, embedder)
    const buffers = new Set(idx.clusters.flatMap((c) => c.vectors.map((v) => v.buffer)))
    expect(buffers.size).toBe(1)
    expect(idx.clusters.map((c) => c.vectors.length)).toEqual([5, 3, 1])
    expect([...idx.clusters[1]!.vectors[2]!]).toEqual([...vec(8)])
  })

  it('packs a hand-built index on first use', () => {
    const idx = index([cluster('x', 'cloud', [unit(1, 0, 0), unit(0, 1, 0)]), cluster('y', 'local', [unit(0, 0, 1)])])
    expect([...clusterSimilarities(unit(1, 0, 0), idx, 'max', 1)].map((s) => Math.round(s * 1e6) / 1e6)).toEqual([1, 0])
  })
})

describe('semantic settings', () => {
  it('have defaults for the bundled model and fall back for others', () => {
    expect(DEFAULT_SEMANTIC_SETTINGS).toMatchObject({ model: 'glove-sif-100d', topK: 3, aggregation: 'mean-top-k', allowRemoteModels: false })
    expect(thresholdsFor(DEFAULT_SEMANTIC_SETTINGS, 'glove-sif-100d')).toMatchObject({ ...BUNDLED_MODEL_THRESHOLDS, calibrated: false })
    expect(thresholdsFor(DEFAULT_SEMANTIC_SETTINGS, 'Xenova/all-MiniLM-L6-v2')).toMatchObject({ calibrated: false, source: 'uncalibrated-default' })
    const calibrated = withThresholds(DEFAULT_SEMANTIC_SETTINGS, 'Xenova/all-MiniLM-L6-v2', { ...t, calibratedAt: '2025-01-01T00:00:00Z', samples: 586 })
    expect(thresholdsFor(calibrated, 'Xenova/all-MiniLM-L6-v2')).toMatchObject({ calibrated: true, source: 'settings' })
    expect(() => SemanticSettings.parse({ aggregation: 'median' })).toThrow()
  })
})
