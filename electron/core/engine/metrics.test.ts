import { describe, expect, it } from 'vitest'
import { atThreshold, auroc, latencyFigures, thresholdForCloudShare, thresholdForRecall } from './metrics'

const s = (score: number, cloud: boolean) => ({ score, cloud })

describe('auroc', () => {
  it('is 1 for a perfect ranking, 0 for an inverted one, 0.5 for all ties', () => {
    expect(auroc([s(10, false), s(20, false), s(80, true), s(90, true)])).toBe(1)
    expect(auroc([s(90, false), s(80, true)])).toBe(0)
    expect(auroc([s(50, false), s(50, true), s(50, true)])).toBe(0.5)
  })

  it('counts a tie between classes as half', () => {
    // pairs: (c70 vs l50)=1, (c70 vs l70)=0.5, (c40 vs l50)=0, (c40 vs l70)=0 → 1.5/4
    expect(auroc([s(70, true), s(40, true), s(50, false), s(70, false)])).toBe(0.375)
  })

  it('is null without both classes', () => {
    expect(auroc([s(1, true)])).toBeNull()
  })
})

describe('atThreshold', () => {
  it('routes to the cloud only when the score exceeds the threshold', () => {
    const r = atThreshold([s(65, true), s(66, true), s(10, false), s(70, false)], 65)
    expect(r).toEqual({ threshold: 65, cloudRecall: 0.5, localShare: 0.5, accuracy: 0.5 })
  })
})

describe('thresholdForRecall', () => {
  it('picks the highest threshold that keeps the target share of cloud prompts in the cloud', () => {
    const items = [s(90, true), s(80, true), s(60, true), s(30, true), s(50, false), s(20, false)]
    const t = thresholdForRecall(items, 0.75)!
    expect(t).toBe(55) // between the third cloud score (60) and the next lower score (50)
    expect(atThreshold(items, t).cloudRecall).toBe(0.75)
    expect(atThreshold(items, thresholdForRecall(items, 1)!).cloudRecall).toBe(1)
  })
})

describe('latencyFigures', () => {
  it('reads the median and the 99th percentile at their nearest rank, to the microsecond', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i + 0.0006)
    expect(latencyFigures(xs)).toEqual({ p50: 50.001, p99: 99.001 })
    expect(latencyFigures([])).toEqual({ p50: 0, p99: 0 })
  })
})

describe('thresholdForCloudShare', () => {
  it('puts the threshold between the prompts that go to the cloud and the rest', () => {
    const scores = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    const t = thresholdForCloudShare(scores, 0.3)
    expect(t).toBe(75)
    expect(scores.filter((s) => s > t)).toHaveLength(3)
  })

  it('keeps everything local for a share of 0 and sends everything for a share of 1', () => {
    expect(thresholdForCloudShare([5, 50], 0)).toBe(100)
    expect([5, 50].filter((s) => s > thresholdForCloudShare([5, 50], 1))).toHaveLength(2)
  })
})
