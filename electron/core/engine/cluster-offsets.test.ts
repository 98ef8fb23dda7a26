import { describe, expect, it } from 'vitest'
import type { PillarVerdict } from '../../../shared/decision'
import { DEFAULT_POLICY, Policy } from '../../../shared/policy'
import type { Pillar } from '../pillars/pillar'
import { createRulesPillar } from '../pillars/rules'
import { ClusterOffsetRegistry, type ClusterOffsetSource } from './cluster-offsets'
import { createRouter, type RouterDeps } from './router'

/** A semantic verdict as the pillar gives it: a score and the nearest cluster in `detail.nearest`. */
function semanticNear(clusterId: string, name: string, score: number): Pillar {
  return {
    id: 'semantic',
    evaluate: (): PillarVerdict => ({
      pillar: 'semantic',
      status: 'scored',
      score,
      confidence: 1,
      reason: `nearest intent cluster "${name}"`,
      ms: 0,
      detail: { nearest: { id: clusterId, name, tier: 'cloud', similarity: 0.8 } },
    }),
  }
}

const probe = (points: number, reason: string): ClusterOffsetSource => ({ offsets: (id) => (id === 'maths' ? [{ points, source: 'probe', reason }] : []) })
const MATHS_PROMPT = 'A train leaves at 3pm going 60 mph; when does it arrive 150 miles away?'
const route = (deps: Partial<RouterDeps>, prompt = MATHS_PROMPT, semanticScore = 60) =>
  createRouter({ policy: DEFAULT_POLICY, pillars: [semanticNear('maths', 'maths', semanticScore)], ...deps }).decide(prompt)

describe('per-cluster offsets', () => {
  it('without offsets, a decision is exactly as before (no offset in the trace or the explanation)', async () => {
    const d = await route({})
    expect(d.complexity).toBe(60)
    expect(d.tier).toBe('local')
    expect(d.trace[0]!.detail).not.toHaveProperty('clusterOffset')
    expect(d.explanation).not.toContain('Cluster offset')
  })

  it('move a maths prompt across the threshold, and the trace and explanation name the source and its reason', async () => {
    const d = await route({ clusterOffsets: [probe(8, 'the local model passed 2 of 10 maths probes')] })
    expect(d.complexity).toBe(68)
    expect(d.tier).toBe('cloud')
    expect(d.trace[0]!.detail!['clusterOffset']).toMatchObject({
      clusterId: 'maths',
      points: 8,
      capped: false,
      before: 60,
      after: 68,
      offsets: [{ source: 'probe', points: 8 }],
    })
    expect(d.explanation).toContain("- Cluster offset: +8 for cluster 'maths': the local model passed 2 of 10 maths probes; index 60 → 68.")
    // Other clusters are not moved.
    const other = await createRouter({
      policy: DEFAULT_POLICY,
      pillars: [semanticNear('small-talk', 'small talk', 60)],
      clusterOffsets: [probe(8, 'x')],
    }).decide('hi')
    expect(other.complexity).toBe(60)
  })

  it("add the policy's own offsets to every source, hold the sum to the cap and the index within 0–100", async () => {
    const policy = Policy.parse({ version: 1, clusterOffsets: { maths: 20 }, clusterOffsetMax: 25 })
    const d = await route({ policy, clusterOffsets: [probe(15, 'the local model failed the maths probes')] })
    expect(d.trace[0]!.detail!['clusterOffset']).toMatchObject({
      points: 25,
      capped: true,
      offsets: [
        { source: 'policy', points: 20 },
        { source: 'probe', points: 15 },
      ],
    })
    expect(d.complexity).toBe(85)
    expect(d.explanation).toMatch(
      /\+25 for cluster 'maths': the policy sets clusterOffsets\.maths \(policy, \+20\); the local model failed the maths probes \(probe, \+15\) \(held to the cap of 25 points\)/,
    )
    const top = await route({ policy, clusterOffsets: [probe(15, 'x')] }, MATHS_PROMPT, 90)
    expect(top.complexity).toBe(100)
    expect(() => Policy.parse({ version: 1, clusterOffsets: { maths: 31 } })).toThrow(/clusterOffsets/)
  })

  it('never move a privacy-pinned prompt, a fast-path gate or the user’s choice', async () => {
    const pillars = [createRulesPillar(), semanticNear('maths', 'maths', 60)]
    const deps = { policy: DEFAULT_POLICY, pillars, clusterOffsets: [probe(30, 'the local model failed every maths probe')] }
    const privateMaths = await createRouter(deps).decide('My card 4111 1111 1111 1111 was charged 3 times 19.99, what is the total?')
    expect(privateMaths).toMatchObject({ tier: 'local', pinned: 'privacy' })
    expect(privateMaths.explanation).not.toContain('Cluster offset')
    const chosen = await createRouter(deps).decide(MATHS_PROMPT, { tier: 'local' })
    expect(chosen).toMatchObject({ tier: 'local', pinned: 'override' })
    const greeting = await createRouter(deps).decide('hi there!')
    expect(greeting).toMatchObject({ tier: 'local', pinned: 'safe-list' })
    expect(greeting.explanation).not.toContain('Cluster offset')
  })

  it('read registered sources at each decision, and forget one when it is removed', async () => {
    const registry = new ClusterOffsetRegistry()
    const router = createRouter({ policy: DEFAULT_POLICY, pillars: [semanticNear('maths', 'maths', 60)], clusterOffsets: [registry] })
    expect((await router.decide(MATHS_PROMPT)).tier).toBe('local')
    const remove = registry.register(probe(10, 'the local model passed 1 of 10 maths probes'))
    expect((await router.decide(MATHS_PROMPT)).tier).toBe('cloud')
    remove()
    expect((await router.decide(MATHS_PROMPT)).complexity).toBe(60)
  })
})
