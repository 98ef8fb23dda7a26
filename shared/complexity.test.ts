import { describe, expect, it } from 'vitest'
import { indexToProbability, probabilityToIndex } from './complexity'

describe('complexity index and probability', () => {
  it('reads a score as a probability with even odds at the threshold, and back', () => {
    expect(indexToProbability(65, 65)).toBe(0.5)
    expect(indexToProbability(0, 65)).toBe(0)
    expect(indexToProbability(100, 65)).toBe(1)
    for (const s of [0, 12.5, 40, 65, 80, 99, 100]) expect(probabilityToIndex(indexToProbability(s, 65), 65)).toBeCloseTo(s, 9)
    // Degenerate thresholds still give a probability.
    expect(indexToProbability(30, 0)).toBe(0.65)
    expect(indexToProbability(30, 100)).toBe(0.15)
  })

  it('puts even odds exactly on the policy threshold, and the ends at 0 and 100', () => {
    expect(probabilityToIndex(0.5, 65)).toBe(65)
    expect(probabilityToIndex(0, 65)).toBe(0)
    expect(probabilityToIndex(1, 65)).toBe(100)
    expect(probabilityToIndex(0.75, 40)).toBe(70)
    // A probability outside 0–1 is kept at the nearer end.
    expect(probabilityToIndex(1.2, 65)).toBe(100)
    expect(probabilityToIndex(-0.1, 65)).toBe(0)
  })
})
