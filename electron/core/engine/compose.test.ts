import { describe, expect, it } from 'vitest'
import type { PillarId, PillarVerdict } from '../../../shared/decision'
import { DEFAULT_POLICY, Policy } from '../../../shared/policy'
import { probabilityToIndex } from '../../../shared/complexity'
import { composeIndex } from './compose'

const v = (pillar: PillarId, score: number, confidence = 1): PillarVerdict => ({ pillar, status: 'scored', score, confidence, reason: '', ms: 0 })
const MEAN = Policy.parse({ version: 1, composition: { pooling: 'mean' } })

describe('composeIndex', () => {
  it('gives one pillar its own score, whatever the pooling', () => {
    for (const policy of [DEFAULT_POLICY, MEAN]) {
      expect(composeIndex([v('rules', 0, 0.4)], policy)!.index).toBe(0)
      expect(composeIndex([v('rules', 100, 0.4)], policy)!.index).toBe(100)
      expect(composeIndex([v('semantic', 37.2)], policy)!.index).toBe(37.2)
    }
  })

  it('lets a learned verdict that places the prompt within its kind stand for rules and semantic, unless the policy switches it off', () => {
    const placing: PillarVerdict = { ...v('learned', 30, 0.4), detail: { placesIndex: true } }
    const verdicts = [v('rules', 90, 0.9), v('semantic', 95, 0.9), placing]
    const index = composeIndex(verdicts, DEFAULT_POLICY)!
    expect(index.index).toBe(30)
    expect(index.contributions.map((c) => c.pillar)).toEqual(['learned'])
    // An ordinary learned verdict is pooled with the others.
    expect(composeIndex([v('rules', 90, 0.9), v('semantic', 95, 0.9), v('learned', 30, 0.4)], DEFAULT_POLICY)!.index).toBeGreaterThan(65)
    const off = Policy.parse({ version: 1, weights: { learned: 0 } })
    expect(composeIndex(verdicts, off)!.contributions.map((c) => c.pillar)).toEqual(['rules', 'semantic'])
  })

  it('lets a confident pillar far from the threshold outweigh a mild one on the other side', () => {
    const verdicts = [v('rules', 40, 0.55), v('semantic', 95, 0.9)]
    const mean = composeIndex(verdicts, MEAN)!.index
    const logit = composeIndex(verdicts, DEFAULT_POLICY)!.index
    expect(mean).toBeGreaterThan(65)
    expect(logit).toBeGreaterThan(mean)
    // ...and the other way round: a sure local verdict is not dragged to the middle by a mild cloud one.
    const local = composeIndex([v('rules', 3, 0.9), v('semantic', 70, 0.3)], DEFAULT_POLICY)!.index
    expect(local).toBeLessThan(composeIndex([v('rules', 3, 0.9), v('semantic', 70, 0.3)], MEAN)!.index)
    expect(local).toBeLessThan(20)
  })

  it('is symmetric around the threshold and equals the scores when they agree', () => {
    expect(composeIndex([v('rules', 80), v('semantic', 80)], DEFAULT_POLICY)!.index).toBe(80)
    expect(composeIndex([v('rules', 30), v('semantic', 100)], DEFAULT_POLICY)!.index).toBeGreaterThan(65)
    // Equal weights at mirrored probabilities cancel out: the index lands on the threshold.
    const lo = probabilityToIndex(0.2, 65)
    const hi = probabilityToIndex(0.8, 65)
    expect(composeIndex([v('rules', lo), v('semantic', hi)], DEFAULT_POLICY)!.index).toBe(65)
  })

  it('weights by policy weight × confidence, leaves out abstentions and zero weights, and reports each share', () => {
    const policy = Policy.parse({ version: 1, weights: { rules: 1, semantic: 3, judge: 0 } })
    const idx = composeIndex([v('rules', 40, 0.5), v('semantic', 90), v('judge', 100), { ...v('semantic', 0), status: 'abstained', score: null }], policy)!
    expect(idx.contributions.map((c) => [c.pillar, c.weight, c.share])).toEqual([
      ['rules', 0.5, 0.143],
      ['semantic', 3, 0.857],
    ])
    expect(idx.pooling).toBe('logit')
    expect(idx.contributions[0]!.logOdds).toBeLessThan(0)
    expect(idx.contributions[1]!.logOdds).toBeGreaterThan(0)
    expect(composeIndex([{ ...v('rules', 50), status: 'abstained', score: null }], policy)).toBeNull()
  })

  it('clamps certainty: a 0 or 100 is strong evidence, not infinite', () => {
    const idx = composeIndex([v('rules', 100), v('semantic', 0)], DEFAULT_POLICY)!.index
    expect(idx).toBe(65)
    expect(Number.isFinite(composeIndex([v('rules', 100, 0.1), v('semantic', 0, 1)], DEFAULT_POLICY)!.index)).toBe(true)
  })
})

describe('composeIndex with a judge', () => {
  const judged = (rules: number, semantic: number, judge: number) =>
    composeIndex([v('rules', rules, 0.9), v('semantic', semantic, 0.9), v('judge', judge, 1)], DEFAULT_POLICY)!

  it('keeps an extreme verdict from crossing the threshold against agreeing rules and semantic, and says so', () => {
    const pulledDown = judged(85, 80, 0)
    expect(pulledDown.index).toBeGreaterThan(DEFAULT_POLICY.threshold)
    expect(pulledDown.judge).toMatchObject({ contradicts: true })
    const pulledUp = judged(20, 30, 100)
    expect(pulledUp.index).toBeLessThanOrEqual(DEFAULT_POLICY.threshold)
    expect(pulledUp.judge).toMatchObject({ contradicts: true })
  })

  it('moves the index by at most judgeMaxShift points', () => {
    const near = judged(66, 60, 100)
    expect(near.judge!.contradicts).toBe(false)
    expect(near.index - near.judge!.without).toBeLessThanOrEqual(DEFAULT_POLICY.composition.judgeMaxShift + 0.1)
    expect(near.judge!.bounded).toBe(true)
  })

  it('lets the judge tip a prompt the other pillars leave uncertain', () => {
    const uncertain = judged(62, 70, 100)
    expect(uncertain.judge!.without).toBeLessThanOrEqual(DEFAULT_POLICY.threshold + 5)
    expect(uncertain.index).toBeGreaterThan(DEFAULT_POLICY.threshold)
  })
})
