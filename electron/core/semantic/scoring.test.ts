import { describe, expect, it } from 'vitest'
import { clusterSimilarity, probabilityToIndex, scoreVector, type ClusterIndex, type IndexedCluster } from './scoring'
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
  it('puts an even margin exactly on the policy threshold', () => {
    expect(probabilityToIndex(0.5, 65)).toBe(65)
    expect(probabilityToIndex(0, 65)).toBe(0)
    expect(probabilityToIndex(1, 65)).toBe(100)
    expect(probabilityToIndex(0.75, 40)).toBe(70)
  })

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
