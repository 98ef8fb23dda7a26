import type { Decision, Tier } from '../../../shared/decision'
import type { ChatOutcome } from '../chat/chat-service'
import type { Arm } from '../providers/types'
import type { RoutingGate } from './routing-gate'

/** What the engine's tier-override hook receives (structurally the engine's TierOverrideContext). */
export interface RouterTierContext {
  tier: Tier
  pinned: Decision['pinned']
  /** True when the prompt must never leave this machine. */
  privacy: boolean
}

export interface RouterTierOverride {
  tier: Tier
  reason: string
  pinned?: 'health' | 'offline' | 'budget'
}

/** The bandit feedback the engine's `router.record` takes (structurally its Outcome). */
export interface ArmFeedback {
  arm: { endpoint: string; model: string }
  success?: boolean
  latencyMs?: number
  ttftMs?: number | null
  costUsd?: number
}

/**
 * The two hooks `createRouter` takes from health: `listArms(tier)` (usable arms, best first)
 * and `tierOverride(ctx)` (cloud degraded / offline / over budget → local; Ollama down →
 * cloud unless privacy-pinned). When no tier can answer, the hook keeps the tier: the chat
 * flow then ends the request with the clear error (see planArms).
 * The override first waits for endpoint discovery: a process's first decision must not call
 * a running Ollama or a configured cloud unavailable only because nobody has looked yet.
 */
export function routerHooks(gate: RoutingGate): {
  listArms: (tier: Tier) => Arm[]
  tierOverride: (ctx: RouterTierContext) => Promise<RouterTierOverride | null>
} {
  return {
    listArms: (tier) => gate.listArms(tier),
    tierOverride: async (ctx) => {
      await gate.discovered()
      const result = gate.tierOverride({ tier: ctx.tier, pinned: ctx.privacy ? 'privacy' : ctx.pinned })
      if (!result || 'error' in result) return null
      return { tier: result.tier, reason: result.reason, pinned: result.pinned }
    },
  }
}

/** Errors that say nothing about the arm's quality (the prompt, the user, the network did it). */
const NOT_THE_ARM = new Set(['aborted', 'context-length', 'offline', 'bad-request'])

/** Feed one generation back to the bandit: the arm that answered, and every arm that failed before it. */
export function outcomeFeedback(outcome: ChatOutcome): ArmFeedback[] {
  const out: ArmFeedback[] = []
  for (const hop of outcome.hops) {
    if (!NOT_THE_ARM.has(hop.error)) out.push({ arm: { endpoint: hop.endpoint, model: hop.model }, success: false })
  }
  if (outcome.servedBy && !outcome.aborted && !outcome.hops.some((h) => h.endpoint === outcome.servedBy?.endpoint && h.model === outcome.servedBy.model)) {
    out.push({
      arm: { endpoint: outcome.servedBy.endpoint, model: outcome.servedBy.model },
      success: outcome.ok,
      latencyMs: outcome.totalMs,
      ttftMs: outcome.ttftMs,
      costUsd: outcome.costUsd,
    })
  }
  return out
}
