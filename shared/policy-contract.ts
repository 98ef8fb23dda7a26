import { z } from 'zod'

/**
 * The routing policy on the contract: what is in force and where it comes from, and the one
 * knob the dashboard tunes (the threshold, written as <data folder>/threshold-override.json so
 * the hand-edited policy.json is never rewritten). A rejected policy file is reported with the
 * fields it names; the last good policy keeps routing meanwhile.
 */

export const PolicyOverrideInfo = z.object({
  threshold: z.number(),
  note: z.string().nullable(),
  createdAt: z.string().nullable(),
})
export type PolicyOverrideInfo = z.infer<typeof PolicyOverrideInfo>

export const PolicyLoadError = z.object({
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
})
export type PolicyLoadError = z.infer<typeof PolicyLoadError>

export const PolicyStatus = z.object({
  /** The threshold in force (the override's when there is one). */
  threshold: z.number(),
  /** The threshold of policy.json (or the default when there is no file). */
  policyThreshold: z.number(),
  override: PolicyOverrideInfo.nullable(),
  policyFile: z.string(),
  policyFileExists: z.boolean(),
  overrideFile: z.string(),
  /** Why the last load of either file was rejected; null when both are in force. */
  lastError: PolicyLoadError.nullable(),
  weights: z.object({ rules: z.number(), semantic: z.number(), judge: z.number() }),
  pooling: z.enum(['logit', 'mean']),
  judge: z.object({ enabled: z.boolean(), when: z.enum(['uncertain', 'always']), uncertainBand: z.number() }),
})
export type PolicyStatus = z.infer<typeof PolicyStatus>

/** The threshold as the dashboard sets it: 0–100, like the policy's own. */
export const ThresholdInput = z.number().min(0).max(100)

export const policyContract = {
  'policy.status': { input: z.object({}), output: PolicyStatus },
  'policy.setThreshold': { input: z.object({ threshold: ThresholdInput }), output: PolicyStatus },
  'policy.clearOverride': { input: z.object({}), output: PolicyStatus },
} as const
