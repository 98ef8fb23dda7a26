import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { DEFAULT_TELEMETRY_RULES, TelemetryRules } from '../../../shared/telemetry-rules'
import { syntheticRows, type SyntheticCluster } from '../../../test/support/synthetic-telemetry'
import { seededRandom } from '../pillars/bandit'
import { guardrailViolations, propose, type Conditions, type OptimizeInput } from './optimize'

const NOW = Date.UTC(2026, 5, 1)
const HOUR = 3_600_000
const base = { ...DEFAULT_POLICY, composition: { ...DEFAULT_POLICY.composition, pooling: 'mean' as const } }
type P = typeof base
const calm: Conditions = { cloudDegraded: null, budgetShare: null }
const rules = DEFAULT_TELEMETRY_RULES

const mathsFailing: SyntheticCluster = { id: 'maths', weight: 1, score: 55, failRate: 0.45, failBy: 'retry' }
const mathsFine: SyntheticCluster = { ...mathsFailing, failRate: 0 }
const chat: SyntheticCluster = { id: 'chat', weight: 1, score: 20, failRate: 0.02, failBy: 'thumbs' }

function run(clusters: SyntheticCluster[], policy: P = base, over: Partial<OptimizeInput> = {}) {
  return propose({ rows: syntheticRows({ n: 600, now: NOW, clusters }), policy, rules, conditions: calm, now: NOW, ...over })
}

/** The policy after applying a report's patch, as the override would merge it. */
function applied(policy: P, patch: Record<string, unknown> | null): P {
  if (!patch) return policy
  const offsets = (patch['clusterOffsets'] as Record<string, number> | undefined) ?? {}
  return { ...policy, threshold: (patch['threshold'] as number | undefined) ?? policy.threshold, clusterOffsets: { ...policy.clusterOffsets, ...offsets } }
}

describe('Optimize Load proposals', () => {
  it('local answers of one cluster retried in the cloud: that cluster moves cloudward by a bounded step, with its reason and replay', () => {
    const report = run([mathsFailing, chat])
    expect(report.proposals.map((p) => p.id)).toEqual(['cluster:maths'])
    const p = report.proposals[0]!
    expect(p.from).toBe(0)
    expect(p.to).toBeGreaterThan(0)
    expect(p.to).toBeLessThanOrEqual(5)
    expect(p.reason).toMatch(/local answers failed/)
    expect(p.evidence.decisions).toBeGreaterThanOrEqual(20)
    expect(p.replay.proposed.localShare!).toBeLessThan(p.replay.today.localShare!)
    expect(p.replay.proposed.failedLocal).toBeLessThan(p.replay.today.failedLocal)
    expect(report.patch).toEqual({ clusterOffsets: { maths: p.to } })
  })

  it('thumbs down count the same as retries', () => {
    const report = run([{ ...mathsFailing, failBy: 'thumbs' }, chat])
    expect(report.proposals.map((p) => p.id)).toEqual(['cluster:maths'])
  })

  it('when the failures stop, the offset drifts back toward zero step by step, and then stays', () => {
    let policy: P = { ...base, clusterOffsets: { maths: 5 } }
    const seen: number[] = []
    for (let i = 0; i < 5; i++) {
      const report = run([mathsFine, chat], policy)
      policy = applied(policy, report.patch)
      seen.push(policy.clusterOffsets['maths']!)
    }
    expect(seen).toEqual([3, 1, 0, 0, 0])
  })

  it('too little evidence in a cluster: no change, and a note says why', () => {
    const report = run([{ ...mathsFailing, weight: 0.02 }, chat])
    expect(report.proposals).toEqual([])
    expect(report.notes.join('\n')).toMatch(/"maths": \d+ decisions.*needs 20/)
  })

  it('rising local time to first token sends more to the cloud; a budget near its cap or a degraded cloud keeps more local; together they cancel', () => {
    const rows = syntheticRows({ n: 2000, now: NOW, clusters: [chat], recentSince: NOW - 24 * HOUR, recentLocalTtftMs: 900 })
    const slow = propose({ rows, policy: base, rules, conditions: calm, now: NOW })
    expect(slow.proposals.find((p) => p.id === 'threshold')).toMatchObject({ from: 65, to: 62 })
    const budget = propose({
      rows: syntheticRows({ n: 600, now: NOW, clusters: [chat] }),
      policy: base,
      rules,
      conditions: { cloudDegraded: null, budgetShare: 0.9 },
      now: NOW,
    })
    expect(budget.proposals.find((p) => p.id === 'threshold')).toMatchObject({ to: 68 })
    expect(budget.proposals[0]!.reason).toMatch(/90% of the spending cap/)
    const both = propose({ rows, policy: base, rules, conditions: { cloudDegraded: null, budgetShare: 0.95 }, now: NOW })
    expect(both.proposals.find((p) => p.id === 'threshold')).toBeUndefined()
    expect(both.notes.join('\n')).toMatch(/signals disagree/)
    const degraded = propose({
      rows: syntheticRows({ n: 600, now: NOW, clusters: [chat] }),
      policy: base,
      rules,
      conditions: { cloudDegraded: 'cloud: circuit open', budgetShare: null },
      now: NOW,
    })
    expect(degraded.proposals[0]!.reason).toMatch(/cloud is degraded \(cloud: circuit open\)/)
  })
})

describe('guardrails', () => {
  it('name every change past them: a big step, too little evidence, a lowered exploration', () => {
    const rows = syntheticRows({ n: 100, now: NOW, clusters: [chat] })
    const bad = {
      ...base,
      threshold: 70,
      clusterOffsets: { chat: 6, rare: 2 },
      bandit: { ...base.bandit, epsilon: { ...base.bandit.epsilon, warmup: 0.1, warmupPulls: 5 } },
    }
    const found = guardrailViolations(base, bad, rows, rules).join('\n')
    expect(found).toMatch(/threshold moved 65 → 70/)
    expect(found).toMatch(/"chat" offset moved 0 → 6/)
    expect(found).toMatch(/"rare" moved on 0 decisions/)
    expect(found).toMatch(/warm-up exploration lowered to 0.1/)
    expect(found).toMatch(/warm-up pulls lowered to 5/)
  })

  it('hold over many runs on random traffic, random conditions and tightened rules (property)', () => {
    const random = seededRandom(20260601)
    // A tight cap, so the runs reach it.
    let policy: P = { ...base, clusterOffsetMax: 12 }
    const made = { cluster: 0, threshold: 0, drift: 0 }
    for (let runIndex = 0; runIndex < 150; runIndex++) {
      const clusters: SyntheticCluster[] = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => ({
        id: `c${k}`,
        weight: random() < 0.2 ? 0.01 : random(),
        score: random() * 100,
        failRate: random() < 0.5 ? random() : 0,
        failBy: random() < 0.5 ? 'retry' : 'thumbs',
      }))
      const tightened = TelemetryRules.parse({
        version: 1,
        optimize: {
          minEvidence: 20 + Math.floor(random() * 30),
          maxClusterStep: 1 + random() * 4,
          maxThresholdStep: 0.5 + random() * 2.5,
          driftStep: 0.5 + random() * 2,
        },
      })
      const rows = syntheticRows({
        n: 50 + Math.floor(random() * 400),
        now: NOW,
        clusters,
        seed: runIndex,
        recentSince: NOW - 24 * HOUR,
        recentLocalTtftMs: random() < 0.3 ? 1000 : 200,
      })
      const conditions: Conditions = { cloudDegraded: random() < 0.3 ? 'slow' : null, budgetShare: random() < 0.3 ? random() + 0.5 : null }
      const report = propose({ rows, policy, rules: tightened, conditions, now: NOW })
      const next = applied(policy, report.patch)
      // Checked here directly, not only through guardrailViolations.
      expect(Math.abs(next.threshold - policy.threshold)).toBeLessThanOrEqual(tightened.optimize.maxThresholdStep + 1e-9)
      for (const p of report.proposals) {
        made[p.kind === 'threshold' ? 'threshold' : Math.abs(p.to) < Math.abs(p.from) ? 'drift' : 'cluster']++
        if (p.kind === 'cluster-offset') {
          expect(Math.abs(p.to - p.from)).toBeLessThanOrEqual(tightened.optimize.maxClusterStep + 1e-9)
          expect(p.evidence.decisions).toBeGreaterThanOrEqual(tightened.optimize.minEvidence)
          expect(Math.abs(p.to)).toBeLessThanOrEqual(12)
        }
      }
      expect(next.bandit).toEqual(policy.bandit)
      expect(guardrailViolations(policy, next, rows, tightened)).toEqual([])
      policy = next
    }
    // The runs really exercised every kind of change (the property is not vacuous).
    expect(made.cluster).toBeGreaterThan(10)
    expect(made.drift).toBeGreaterThan(3)
    expect(made.threshold).toBeGreaterThan(10)
  })
})
