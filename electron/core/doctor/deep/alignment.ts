import type { Policy } from '../../../../shared/policy'
import type { Tier } from '../../../../shared/decision'
import type { SemanticPillar } from '../../pillars/semantic'
import { fail, ok, warn, type Verdict } from '../types'

/** A prompt with what it should be near: a semantic cluster, or just the tier it belongs to. */
export interface LabelledPrompt {
  prompt: string
  cluster?: string
  label?: Tier
}

/**
 * Shares of prompts whose nearest cluster has the expected tier. Under `fail` the semantic
 * pillar routes these prompts no better than a coin; under `ok` it is usable but misplaces
 * some kinds of prompt (the bundled GloVe model puts one-step sums near "maths"), which the
 * rules and the learned combiner have to make up for.
 */
export const TIER_AGREEMENT = { fail: 0.5, ok: 0.8 } as const

/**
 * Embedding alignment: the semantic pillar's nearest cluster for each labelled prompt
 * against its label. What routes is the tier of the nearest cluster, so that is what is held
 * to TIER_AGREEMENT; the share of exact cluster matches is reported beside it.
 */
export async function checkAlignment(semantic: SemanticPillar | null, policy: Policy, prompts: readonly LabelledPrompt[], source: string): Promise<Verdict> {
  if (!semantic) return fail('the semantic router did not load, so nothing can be aligned: see the "embedding model" check')
  const tiers = new Map((await semantic.store.list()).map((c) => [c.id, c.tier] as const))
  let tierAgree = 0
  let clusterTagged = 0
  let clusterAgree = 0
  const misses: string[] = []
  for (const item of prompts) {
    const verdict = await semantic.evaluate({ prompt: item.prompt, tokens: 0, policy })
    const nearest = (verdict.detail?.nearest ?? null) as { id: string; tier: Tier } | null
    const expectedTier = item.label ?? (item.cluster ? tiers.get(item.cluster) : undefined)
    if (item.cluster) {
      clusterTagged++
      if (nearest?.id === item.cluster) clusterAgree++
    }
    if (expectedTier && nearest?.tier === expectedTier) tierAgree++
    else if (misses.length < 3) misses.push(`${item.cluster ?? item.label} → ${nearest?.id ?? 'none'}`)
  }
  const share = prompts.length ? tierAgree / prompts.length : 0
  const pct = (x: number) => `${Math.round(x * 100)}%`
  const clusters = clusterTagged ? `; nearest cluster exact for ${clusterAgree} of ${clusterTagged} (${pct(clusterAgree / clusterTagged)})` : ''
  const detail = {
    source,
    prompts: prompts.length,
    tierAgreement: Math.round(share * 1000) / 1000,
    clusterAgreement: clusterTagged ? Math.round((clusterAgree / clusterTagged) * 1000) / 1000 : null,
    thresholds: TIER_AGREEMENT,
  }
  const summary = `${source}: nearest cluster in the expected tier for ${tierAgree} of ${prompts.length} prompts (${pct(share)})${clusters}`
  const advice = `(e.g. ${misses.join(', ')}): add utterances to those clusters or calibrate (routellm calibrate)`
  if (share < TIER_AGREEMENT.fail) return fail(`${summary}, under ${pct(TIER_AGREEMENT.fail)} ${advice}`, detail)
  if (share < TIER_AGREEMENT.ok) return warn(`${summary}, under ${pct(TIER_AGREEMENT.ok)} ${advice}`, detail)
  return ok(summary, detail)
}
