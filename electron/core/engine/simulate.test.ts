import { describe, expect, it } from 'vitest'
import { Policy } from '../../../shared/policy'
import type { Pillar } from '../pillars/pillar'
import { createRulesPillar } from '../pillars/rules'
import { calibrateThreshold } from './calibrate'
import { parseDataset } from './dataset'
import { evaluateRouter } from './evaluate'
import { createRouter } from './router'
import { simulate } from './simulate'

/** Scores a prompt by the number after "score:" in it, so tests control the index exactly. */
const echo: Pillar = {
  id: 'semantic',
  evaluate: ({ prompt }) => ({
    pillar: 'semantic',
    status: 'scored',
    score: Number(/score:(\d+)/.exec(prompt)?.[1] ?? 0),
    confidence: 1,
    reason: 'echo',
    ms: 0,
  }),
}

const lines = (rows: { p: string; label: 'local' | 'cloud'; source?: string }[]) =>
  parseDataset(rows.map((r) => JSON.stringify({ prompt: r.p, label: r.label, source: r.source ?? 'test' })).join('\n'))

describe('simulate', () => {
  it('reports the tier split, pins, pillar agreement and cost against all-cloud, without echoing prompts', async () => {
    const policy = Policy.parse({ version: 1, simulation: { cloudPrice: { inputPerMTok: 1_000_000, outputPerMTok: 0 }, assumedOutputTokens: 0 } })
    const router = createRouter({ policy, pillars: [createRulesPillar(), echo] })
    const items = parseDataset('score:90 prove it\nscore:10 summarise\nHello!\nmail jane.doe@example.com score:99')
    const report = await simulate(router, items)
    expect(report.n).toBe(4)
    expect(report.tiers).toEqual({ local: 3, cloud: 1 })
    expect(report.pinned).toEqual({ 'safe-list': 1, privacy: 1 })
    // $1 per input token: all-cloud pays every token, routing pays only the cloud prompt's.
    const tokens = report.decisions.map((d) => d.tokens)
    expect(report.cost.allCloudUsd).toBeCloseTo(tokens.reduce((a, b) => a + b, 0))
    expect(report.cost.routedUsd).toBeCloseTo(tokens[0]!)
    expect(report.agreement.semantic).toMatchObject({ scored: 3, agreesWithTier: expect.any(Number) })
    expect(report.decisions.map((d) => [d.line, d.tier, d.pinned])).toEqual([
      [1, 'cloud', null],
      [2, 'local', null],
      [3, 'local', 'safe-list'],
      [4, 'local', 'privacy'],
    ])
    expect(JSON.stringify(report)).not.toContain('jane.doe')
  })

  it('prices the cloud model a decision picked, against the all-cloud baseline', async () => {
    const policy = Policy.parse({ version: 1, simulation: { cloudPrice: { inputPerMTok: 10, outputPerMTok: 0 }, assumedOutputTokens: 0 } })
    const router = createRouter({ policy, pillars: [echo], listArms: () => [{ endpoint: 'cloud', model: 'cheap-model', tier: 'cloud' }] })
    const report = await simulate(router, parseDataset('score:90 one\nscore:95 two'), {
      priceOf: (m) => (m === 'cheap-model' ? { inputPerMTok: 1, outputPerMTok: 0 } : null),
    })
    expect(report.tiers.cloud).toBe(2)
    expect(report.cost.savedShare).toBeCloseTo(0.9)
  })
})

describe('evaluateRouter', () => {
  it('reports AUROC of the index, the policy threshold’s recall and local share, the target-recall threshold, per source and pillar', async () => {
    const router = createRouter({ policy: Policy.parse({ version: 1, weights: { rules: 0 } }), pillars: [createRulesPillar(), echo] })
    const items = lines([
      { p: 'score:90', label: 'cloud', source: 'a' },
      { p: 'score:70', label: 'cloud', source: 'a' },
      { p: 'score:60', label: 'cloud', source: 'b' },
      { p: 'score:50', label: 'local', source: 'b' },
      { p: 'score:20', label: 'local', source: 'b' },
    ])
    const r = await evaluateRouter({ router, items, targetRecall: 1, pillars: [echo] })
    expect(r.n).toBe(5)
    expect(r.auroc).toBe(1)
    expect(r.atDefault).toEqual({ threshold: 65, cloudRecall: 0.6667, localShare: 0.6, accuracy: 0.8 })
    expect(r.atTargetRecall).toEqual({ targetRecall: 1, threshold: 55, cloudRecall: 1, localShare: 0.4 })
    expect(r.bySource.b).toMatchObject({ n: 3, cloud: 1, local: 2, auroc: 1, cloudRecall: 0 })
    expect(r.pillars.semantic).toMatchObject({ scored: 5, abstained: 0, auroc: 1 })
    expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50)
  })
})

describe('calibrateThreshold', () => {
  it('finds the highest threshold that meets the target recall', async () => {
    const items = lines([
      { p: 'score:90', label: 'cloud' },
      { p: 'score:70', label: 'cloud' },
      { p: 'score:60', label: 'cloud' },
      { p: 'score:50', label: 'local' },
      { p: 'score:20', label: 'local' },
    ])
    const base = Policy.parse({ version: 1, weights: { rules: 0 } })
    const r = await calibrateThreshold({ routerFor: (policy) => createRouter({ policy, pillars: [echo] }), basePolicy: base, items, targetRecall: 0.6 })
    expect(r).toMatchObject({ threshold: 65, cloudRecall: 0.6667, localShare: 0.6, n: 5 })
  })

  it('refits when scores move with the threshold, and keeps a threshold that meets the target at itself', async () => {
    // A pillar that, like the semantic one, places its boundary on the policy threshold.
    const relative: Pillar = {
      id: 'semantic',
      evaluate: ({ prompt, policy }) => {
        const margin = Number(/m:(-?\d+)/.exec(prompt)?.[1] ?? 0)
        return { pillar: 'semantic', status: 'scored', score: Math.max(0, Math.min(100, policy.threshold + margin)), confidence: 1, reason: '', ms: 0 }
      },
    }
    const mixed: Pillar = {
      id: 'rules',
      evaluate: ({ prompt }) => ({ pillar: 'rules', status: 'scored', score: Number(/r:(\d+)/.exec(prompt)?.[1]), confidence: 1, reason: '', ms: 0 }),
    }
    const items = lines([
      { p: 'm:20 r:80', label: 'cloud' },
      { p: 'm:5 r:60', label: 'cloud' },
      { p: 'm:-5 r:30', label: 'local' },
      { p: 'm:-20 r:10', label: 'local' },
    ])
    const r = await calibrateThreshold({
      routerFor: (policy) => createRouter({ policy, pillars: [mixed, relative] }),
      // Mean pooling: scores that move with the threshold need several refits (logit pooling settles at once).
      basePolicy: Policy.parse({ version: 1, composition: { pooling: 'mean' } }),
      items,
      targetRecall: 1,
    })
    expect(r.cloudRecall).toBe(1)
    expect(r.iterations).toBeGreaterThan(1)
  })
})
