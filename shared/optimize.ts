import { z } from 'zod'

/**
 * Optimize Load on the contract: proposals learned from this machine's telemetry, each with
 * its reason, its evidence and its replayed effect beside today's policy; Apply writes them
 * through the audited policy override (actor 'optimize'), Revert restores the policy before.
 */

export const ReplayFigures = z.object({
  decisions: z.number().int().nonnegative(),
  local: z.number().int().nonnegative(),
  localShare: z.number().min(0).max(1).nullable(),
  /** Local answers expected to fail the user (thumbs down, retried in the cloud, stopped, errors). */
  failedLocal: z.number().nonnegative(),
  moved: z.object({ toCloud: z.number().int().nonnegative(), toLocal: z.number().int().nonnegative() }),
  costUsd: z.number().nonnegative(),
  meanLatencyMs: z.number().nonnegative().nullable(),
})
export type ReplayFigures = z.infer<typeof ReplayFigures>

export const SideBySide = z.object({ today: ReplayFigures, proposed: ReplayFigures })
export type SideBySide = z.infer<typeof SideBySide>

export const Proposal = z.object({
  /** 'threshold' or 'cluster:<id>'. */
  id: z.string(),
  kind: z.enum(['cluster-offset', 'threshold']),
  /** The cluster id for a cluster offset; null for the threshold. */
  cluster: z.string().nullable(),
  from: z.number(),
  to: z.number(),
  reason: z.string(),
  evidence: z.object({
    decisions: z.number().int().nonnegative(),
    localAnswers: z.number().int().nonnegative(),
    failedLocal: z.number().int().nonnegative(),
    failureRate: z.number().min(0).max(1).nullable(),
  }),
  replay: SideBySide,
})
export type Proposal = z.infer<typeof Proposal>

export const OptimizeReport = z.object({
  at: z.string(),
  /** The decisions read: since when, how many. */
  evidence: z.object({ since: z.string(), decisions: z.number().int().nonnegative() }),
  proposals: z.array(Proposal),
  /** All proposals together as a policy patch; null when there is nothing to change. */
  patch: z.record(z.string(), z.unknown()).nullable(),
  /** All proposals together, replayed beside today's policy. */
  replay: SideBySide,
  /** What was looked at and left alone, and why (too little evidence, conflicting signals…). */
  notes: z.array(z.string()),
})
export type OptimizeReport = z.infer<typeof OptimizeReport>

export const OptimizeApplyResult = z.object({
  applied: z.boolean(),
  /** The audit entry of the write (what Revert takes); null when there was nothing to apply. */
  auditId: z.string().nullable(),
  report: OptimizeReport,
})
export type OptimizeApplyResult = z.infer<typeof OptimizeApplyResult>

export const optimizeContract = {
  'optimize.propose': { input: z.object({}), output: OptimizeReport },
  'optimize.apply': { input: z.object({}), output: OptimizeApplyResult },
  /** Revert one audited write by its id (default: the latest write by Optimize Load). */
  'optimize.revert': { input: z.object({ id: z.string().min(1).max(100).optional() }), output: z.object({ reverted: z.string() }) },
} as const
