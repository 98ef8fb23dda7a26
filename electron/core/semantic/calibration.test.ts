import { describe, expect, it } from 'vitest'
import { fitThresholds, type MarginSample } from './calibration'

describe('fitThresholds', () => {
  it('recovers the boundary and the slope of a logistic relationship', () => {
    // deterministic samples from p(cloud) = σ((m − 0.02) / 0.01)
    const samples: MarginSample[] = []
    for (let i = 0; i < 2000; i++) {
      const m = -0.06 + (0.12 * i) / 2000
      const p = 1 / (1 + Math.exp(-(m - 0.02) / 0.01))
      const u = ((i * 7919) % 2000) / 2000 // a fixed low-discrepancy sequence instead of randomness
      samples.push({ margin: m, label: u < p ? 'cloud' : 'local' })
    }
    const t = fitThresholds(samples, { now: new Date('2025-01-01T00:00:00Z') })
    expect(t.center).toBeCloseTo(0.02, 2)
    expect(t.scale).toBeGreaterThan(0.007)
    expect(t.scale).toBeLessThan(0.014)
    expect(t).toMatchObject({ calibratedAt: '2025-01-01T00:00:00.000Z', samples: 2000, minSimilarity: 0 })
  })

  it('refuses one-class or inverted data', () => {
    expect(() => fitThresholds([{ margin: 0.1, label: 'cloud' }])).toThrow(/both/)
    expect(() =>
      fitThresholds([
        { margin: 0.1, label: 'local' },
        { margin: 0.2, label: 'local' },
        { margin: -0.1, label: 'cloud' },
        { margin: -0.2, label: 'cloud' },
      ]),
    ).toThrow(/do not separate/)
  })
})
