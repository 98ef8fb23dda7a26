import { describe, expect, it } from 'vitest'
import { fitTopicAxes, projectTopics, topicNames } from './topic-axes'

// Points spread widely along (1, 1, 0)/√2, a little along (0, 0, 1), not at all along (1, −1, 0)/√2.
const POINTS = [-3, -2, -1, 0, 1, 2, 3].flatMap((t) => [-1, 1].map((z) => [2 + t / Math.SQRT2, 5 + t / Math.SQRT2, 0.3 * z]))

describe('topic axes', () => {
  it('finds the directions of largest spread, largest first, with a fixed sign', () => {
    const { mean, axes } = fitTopicAxes(POINTS, 2)
    expect(mean.map((m) => Number(m.toFixed(9)))).toEqual([2, 5, 0])
    expect(axes).toHaveLength(2)
    expect(axes[0]![0]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(axes[0]![1]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(axes[0]![2]).toBeCloseTo(0, 6)
    expect(axes[1]!.map((x) => Math.abs(x))).toEqual([expect.closeTo(0, 6), expect.closeTo(0, 6), expect.closeTo(1, 6)])
    expect(fitTopicAxes(POINTS, 2)).toEqual({ mean, axes })
  })

  it('places an embedding on each axis relative to the mean', () => {
    const topics = fitTopicAxes(POINTS, 1)
    const [along] = projectTopics(topics, [2 + 2 / Math.SQRT2, 5 + 2 / Math.SQRT2, 0])
    expect(along).toBeCloseTo(2, 6)
    expect(projectTopics(topics, [2 + 1, 5 - 1, 0])[0]).toBeCloseTo(0, 6)
    expect(topicNames(2)).toEqual(['topic-1', 'topic-2'])
  })
})
