import { z } from 'zod'

/**
 * The bandit's arms on the contract: what it has learned about each concrete model within a
 * tier (pulls, successes, mean reward, thumbs) and the value it currently ranks it by.
 */
export const ArmValue = z.object({
  endpoint: z.string(),
  model: z.string(),
  pulls: z.number().int().nonnegative(),
  successes: z.number().int().nonnegative(),
  /** Mean per-generation reward 0–1 (success, latency, cost); null before the first pull. */
  meanReward: z.number().min(0).max(1).nullable(),
  feedbackUp: z.number().int().nonnegative(),
  feedbackDown: z.number().int().nonnegative(),
  /** The value the bandit ranks the arm by, 0–1, under the policy in force. */
  value: z.number().min(0).max(1),
  lastAt: z.string().nullable(),
})
export type ArmValue = z.infer<typeof ArmValue>

export const BanditArms = z.object({
  strategy: z.enum(['epsilon-greedy', 'thompson']),
  arms: z.array(ArmValue),
})
export type BanditArms = z.infer<typeof BanditArms>

export const banditContract = {
  'bandit.arms': { input: z.object({}), output: BanditArms },
} as const
