import { describe, expect, it } from 'vitest'
import { interp, outcomeMetrics, quantileLinear } from './outcome-metrics'

// Five prompts worked by hand: the weak model is right on 2 (40 %), the strong one on 4 (80 %).
const FIXTURE = [
  { score: 1, strong: 1, weak: 1 },
  { score: 2, strong: 1, weak: 0 },
  { score: 3, strong: 1, weak: 1 },
  { score: 4, strong: 0, weak: 0 },
  { score: 5, strong: 1, weak: 0 },
]

describe('RouteLLM outcome metrics', () => {
  it('takes the 11 decile edges with linear interpolation, as pd.qcut does', () => {
    const edges = Array.from({ length: 11 }, (_, i) => quantileLinear([1, 2, 3, 4, 5], i / 10))
    expect(edges.map((e) => Math.round(e * 10) / 10)).toEqual([1, 1.4, 1.8, 2.2, 2.6, 3, 3.4, 3.8, 4.2, 4.6, 5])
  })

  it('gives the hand-computed curve, AUC, APGR and CPT on the fixture', () => {
    const m = outcomeMetrics(FIXTURE)
    expect(m.weakAccuracy).toBe(40)
    expect(m.strongAccuracy).toBe(80)
    // >= each edge goes strong, > for the last: 100, 80, 80, 60, 60, 60, 40, 40, 20, 20, 0 % strong calls.
    expect(m.curve.map((p) => [Math.round(p.strongPercent), Math.round(p.accuracy)])).toEqual([
      [0, 40],
      [20, 60],
      [20, 60],
      [40, 60],
      [40, 60],
      [60, 60],
      [60, 60],
      [60, 60],
      [80, 80],
      [80, 80],
      [100, 80],
    ])
    // Trapezoids over the strong-call fraction: 10 + 12 + 12 + 14 + 16.
    expect(m.auc).toBeCloseTo(64, 10)
    expect(m.apgr).toBeCloseTo((64 - 40) / (80 - 40), 10)
    expect(m.cpt20).toBeCloseTo(8, 10)
    expect(m.cpt50).toBeCloseTo(60, 10)
    expect(m.cpt80).toBeCloseTo(72, 10)
  })

  it('scores an oracle at 1 and the reversed oracle below a constant router', () => {
    const items = FIXTURE.map((i) => ({ ...i, score: i.weak === 0 && i.strong === 1 ? 1 : 0 }))
    const oracle = outcomeMetrics(items)
    expect(oracle.apgr).toBeGreaterThan(outcomeMetrics(items.map((i) => ({ ...i, score: 1 - i.score }))).apgr)
    expect(oracle.curve[0]!.accuracy).toBe(40)
  })

  it('interpolates like np.interp, clamping outside the curve', () => {
    expect(interp(-1, [0, 10], [5, 7])).toBe(5)
    expect(interp(11, [0, 10], [5, 7])).toBe(7)
    expect(interp(5, [0, 10], [5, 7])).toBe(6)
  })
})
