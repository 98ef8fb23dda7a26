import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { DEFAULT_TELEMETRY_RULES } from '../../../shared/telemetry-rules'
import { syntheticRows } from '../../../test/support/synthetic-telemetry'
import { prepareEvidence, replay } from './replay'

const NOW = Date.UTC(2026, 5, 1)
const failure = DEFAULT_TELEMETRY_RULES.failure
const policy = { ...DEFAULT_POLICY, composition: { ...DEFAULT_POLICY.composition, pooling: 'mean' as const } }

// Two clusters: maths near the threshold with failing local answers, small talk well local.
const rows = syntheticRows({
  n: 2000,
  now: NOW,
  clusters: [
    { id: 'maths', weight: 1, score: 60, failRate: 0.5, failBy: 'retry' },
    { id: 'chat', weight: 1, score: 20, failRate: 0.02 },
  ],
})

describe('replay without text', () => {
  it('under the policy that made the decisions nothing moves, and the figures are what happened', () => {
    const r = replay(prepareEvidence(rows, failure), policy)
    const local = rows.filter((x) => x.tier === 'local')
    expect(r.figures.moved).toEqual({ toCloud: 0, toLocal: 0 })
    expect(r.figures.local).toBe(local.length)
    expect(r.figures.failedLocal).toBe(local.filter((x) => x.retriedBy !== null || x.feedback === 'down').length)
    expect(r.figures.costUsd).toBeCloseTo(
      rows.reduce((s, x) => s + x.costUsd, 0),
      6,
    )
  })

  it('a per-cluster offset moves only that cluster cloudward, and its failed local answers go with it', () => {
    const evidence = prepareEvidence(rows, failure)
    const today = replay(evidence, policy)
    const shifted = replay(evidence, { ...policy, clusterOffsets: { maths: 5 } })
    expect(shifted.figures.moved.toCloud).toBeGreaterThan(0)
    expect(shifted.figures.moved.toLocal).toBe(0)
    expect(shifted.figures.localShare!).toBeLessThan(today.figures.localShare!)
    expect(shifted.figures.failedLocal).toBeLessThan(today.figures.failedLocal)
    expect(shifted.figures.costUsd).toBeGreaterThan(today.figures.costUsd)
    const chat = (r: typeof today) => r.clusters.find((c) => c.cluster === 'chat')!
    expect(chat(shifted)).toEqual(chat(today))
  })

  it("a decision moved local takes its cluster's observed local failure rate; pinned decisions never move", () => {
    const pinned = rows.slice(0, 10).map((r) => ({ ...r, pinned: 'privacy', tier: 'local' as const, servedTier: 'local' as const }))
    const evidence = prepareEvidence([...pinned, ...rows.slice(10)], failure)
    const allLocal = replay(evidence, { ...policy, threshold: 100 })
    const allCloud = replay(evidence, { ...policy, threshold: 0 })
    expect(allLocal.figures.localShare).toBe(1)
    expect(allCloud.figures.local).toBe(10)
    const mathsRate = evidence.localFailureRate.get('maths')!
    expect(mathsRate).toBeGreaterThan(0.3)
    const maths = allLocal.clusters.find((c) => c.cluster === 'maths')!
    // Every maths decision now local: its expected failures are about its rate times its decisions.
    expect(maths.failedLocal).toBeCloseTo(maths.decisions * mathsRate, 0)
  })

  it("offsets registered by other sources count like the policy's own, within the policy's cap", () => {
    const evidence = prepareEvidence(rows, failure)
    const probe = { offsets: (id: string) => (id === 'maths' ? [{ points: 5, source: 'probe', reason: 'failed maths probes' }] : []) }
    const viaSource = replay(evidence, policy, [probe])
    expect(viaSource.figures).toEqual(replay(evidence, { ...policy, clusterOffsets: { maths: 5 } }).figures)
    const capped = replay(evidence, { ...policy, clusterOffsetMax: 0 }, [probe])
    expect(capped.figures.moved).toEqual({ toCloud: 0, toLocal: 0 })
  })

  it("uses the policy's pooling and weights: switching the semantic pillar off changes the decisions", () => {
    const evidence = prepareEvidence(rows, failure)
    const withoutSemantic = replay(evidence, { ...policy, weights: { ...policy.weights, semantic: 0 } })
    expect(withoutSemantic.figures.moved.toCloud + withoutSemantic.figures.moved.toLocal).toBeGreaterThan(0)
  })
})
