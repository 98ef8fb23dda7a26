import { describe, expect, it } from 'vitest'
import { fitWithinGroups, rankingScore, type GroupedRow } from './within-group'

describe('fitWithinGroups', () => {
  // Feature 0 tells the groups apart (and the groups differ in target), feature 1 ranks inside each group.
  const rows: GroupedRow[] = []
  for (const [g, level] of [
    ['easy', 0],
    ['hard', 5],
  ] as const) {
    for (let i = 0; i < 20; i++) {
      const within = (i % 5) - 2
      // Noise on the group feature that is unrelated to the ranking inside the group.
      const noise = (Math.floor(i / 5) % 2) - 0.5
      rows.push({ group: g, x: [level + noise, within], target: level + within })
    }
  }

  it('learns what ranks prompts inside a group, not what separates the groups', () => {
    const model = fitWithinGroups(rows, 0.001)
    expect(Math.abs(model.weights[0]!)).toBeLessThan(1e-9)
    expect(model.weights[1]!).toBeGreaterThan(0)
    expect(rankingScore(model, [0, 2])).toBeGreaterThan(rankingScore(model, [0, -2]))
  })

  it('shrinks the weights as the penalty grows, and gives the same weights for the same rows', () => {
    const loose = fitWithinGroups(rows, 0.001)
    expect(Math.abs(fitWithinGroups(rows, 10).weights[1]!)).toBeLessThan(Math.abs(loose.weights[1]!))
    expect(fitWithinGroups(rows, 0.001)).toEqual(loose)
  })
})
