import { z } from 'zod'

/**
 * The routing policy on the contract: what is in force and where it comes from, and the
 * override the dashboard and the tools write (a patch over the policy, kept in
 * <data folder>/threshold-override.json so the hand-edited policy.json is never rewritten),
 * with its audit trail. A rejected policy file is reported with the fields it names; the last
 * good policy keeps routing meanwhile.
 */

export const PolicyOverrideInfo = z.object({
  /** The threshold the override sets; null when its patch leaves the threshold alone. */
  threshold: z.number().nullable(),
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

/** A deep-partial policy: objects merge, arrays and scalars replace; checked by the policy schema after merging. */
const Patch = z.record(z.string(), z.unknown())

export const PolicyActor = z.enum(['user', 'optimize', 'calibrate', 'probe'])
export type PolicyActor = z.infer<typeof PolicyActor>

/** One write of the override. `fileBefore` is the override file's exact text before it (null: no file), which revert restores. */
export const PolicyAuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: PolicyActor,
  reason: z.string(),
  patchBefore: Patch.nullable(),
  patchAfter: Patch.nullable(),
  fileBefore: z.string().nullable(),
})
export type PolicyAuditEntry = z.infer<typeof PolicyAuditEntry>

export const PolicyDiffEntry = z.object({
  path: z.string(),
  default: z.unknown(),
  value: z.unknown(),
  source: z.enum(['policy-file', 'override']),
})
export type PolicyDiffEntry = z.infer<typeof PolicyDiffEntry>

/** The whole policy: the file's (base), the override's patch, what is in force, and how it differs from the defaults. */
export const PolicyView = PolicyStatus.extend({
  base: Patch,
  patch: Patch.nullable(),
  effective: Patch,
  diff: z.array(PolicyDiffEntry),
})
export type PolicyView = z.infer<typeof PolicyView>

export const PolicyFieldIssue = z.object({ path: z.string(), message: z.string() })

export const SaveOverrideInput = z.object({
  patch: Patch,
  reason: z.string().max(500).optional(),
  /** Replace the whole patch instead of merging into the one in force. */
  replace: z.boolean().optional(),
})

export const SaveOverrideResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), policy: PolicyView, auditId: z.string() }),
  z.object({ ok: z.literal(false), errors: z.array(PolicyFieldIssue) }),
])
export type SaveOverrideResult = z.infer<typeof SaveOverrideResult>

/** Pushed whenever the policy in force changes (an override write, a revert, an edited file). */
export const PolicyChanged = z.object({ threshold: z.number(), overridden: z.boolean() })
export type PolicyChanged = z.infer<typeof PolicyChanged>

export const policyEvents = { 'policy.changed': PolicyChanged } as const

export const policyContract = {
  'policy.status': { input: z.object({}), output: PolicyStatus },
  'policy.setThreshold': { input: z.object({ threshold: ThresholdInput }), output: PolicyStatus },
  'policy.clearOverride': { input: z.object({}), output: PolicyStatus },
  'policy.get': { input: z.object({}), output: PolicyView },
  'policy.saveOverride': { input: SaveOverrideInput, output: SaveOverrideResult },
  'policy.audit': { input: z.object({ limit: z.number().int().min(1).max(1000).optional() }), output: z.object({ entries: z.array(PolicyAuditEntry) }) },
  'policy.revert': { input: z.object({ id: z.string().min(1).max(100) }), output: PolicyView },
} as const
