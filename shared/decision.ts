import { z } from 'zod'

/** Where a prompt is answered: the user's own machine, or a paid cloud endpoint. */
export const Tier = z.enum(['local', 'cloud'])
export type Tier = z.infer<typeof Tier>

/** `learned`: the trained combiner over the other pillars' features (resources/router/combiner.json). */
export const PillarId = z.enum(['rules', 'semantic', 'judge', 'bandit', 'health', 'learned'])
export type PillarId = z.infer<typeof PillarId>

/**
 * What one pillar said about one prompt. A pillar that cannot decide (timeout, missing
 * model, garbage output) abstains: score null, and the reason says why.
 */
export const PillarVerdict = z.object({
  pillar: PillarId,
  status: z.enum(['scored', 'short-circuit', 'abstained']),
  /** 0 = trivially local, 100 = certainly needs the cloud; null when abstained. */
  score: z.number().min(0).max(100).nullable(),
  confidence: z.number().min(0).max(1),
  reason: z.string(),
  ms: z.number().nonnegative(),
  /** Set when the pillar decided the tier alone (safe list, privacy pin, override). */
  tier: Tier.optional(),
  /** Why the pillar decided the tier alone; set with `tier`. */
  pin: z.enum(['privacy', 'override', 'safe-list']).optional(),
  /** Pillar-specific facts (token count, nearest cluster, arm chosen...). */
  detail: z.record(z.string(), z.unknown()).optional(),
})
export type PillarVerdict = z.infer<typeof PillarVerdict>

export const Decision = z.object({
  id: z.string(),
  tier: Tier,
  /** The concrete model that will answer, or null when no endpoint of the tier exists. */
  model: z.string().nullable(),
  endpoint: z.string().nullable(),
  /** The complexity index, 0–100; 0 and not a score when `scored` is false. */
  complexity: z.number().min(0).max(100),
  /**
   * False when the request pinned the tier (a pinned gateway model, the user's pick): only the
   * privacy check ran, so no complexity was scored. Absent: the index was computed.
   */
  scored: z.literal(false).optional(),
  threshold: z.number().min(0).max(100),
  /** Why this tier was chosen, for a person. */
  explanation: z.string(),
  /** Set when something other than the complexity index fixed the tier. */
  pinned: z.enum(['privacy', 'override', 'safe-list', 'health', 'offline', 'budget']).nullable(),
  trace: z.array(PillarVerdict),
  ms: z.number().nonnegative(),
  /**
   * Prompt length in tokens (o200k tokenizer), counted once per decision. A tier the request
   * pinned scores nothing, so its decision carries an estimate (characters / 4) instead.
   */
  tokens: z.number().int().nonnegative().optional(),
  /** False when `tokens` is an estimate: extrapolated from the start of a very long prompt, or a pinned tier's. */
  tokensExact: z.boolean().optional(),
})
export type Decision = z.infer<typeof Decision>

/**
 * True when private data pinned the prompt to this machine: by the decision's pin, or by a
 * pillar's (health may have re-pinned the decision, the pillar's pin still stands).
 */
/** Whether the decision's `complexity` is a computed index (not the 0 of a pinned tier's decision). */
export function complexityScored(d: Pick<Decision, 'scored'>): boolean {
  return d.scored !== false
}

export function isPrivacyPinned(d: { pinned: Decision['pinned']; trace?: readonly PillarVerdict[] | undefined }): boolean {
  return d.pinned === 'privacy' || (d.trace ?? []).some((v) => v.pin === 'privacy')
}
