import type { Decision, Tier } from '../../../shared/decision'
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

/**
 * The two hooks `createRouter` takes from health: `listArms(tier)` (usable arms, best first)
 * and `tierOverride(ctx)` (cloud degraded / offline / over budget → local; Ollama down →
 * cloud unless privacy-pinned). When no tier can answer, the hook keeps the tier: the chat
 * flow then ends the request with the clear error (see planArms).
 * The override first waits for endpoint discovery: a process's first decision must not call
 * a running Ollama or a configured cloud unavailable only because nobody has looked yet.
 */
export function routerHooks(gate: RoutingGate): {
  listArms: (tier: Tier) => readonly Arm[]
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
