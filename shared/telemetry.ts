import { z } from 'zod'
import { PillarId, Tier } from './decision'

/**
 * Telemetry: one row per generation, as the engine measured it. Rows hold numbers, ids and
 * classes only — never the prompt, the answer, an explanation or a pillar's reason (any of
 * which can quote the prompt).
 */

export const FeedbackRating = z.enum(['up', 'down'])
export type FeedbackRating = z.infer<typeof FeedbackRating>

export const RequestOutcome = z.enum(['ok', 'error', 'aborted'])
export type RequestOutcome = z.infer<typeof RequestOutcome>

/** What one pillar said, reduced to what is safe to keep: no reason, no detail. */
export const PillarScore = z.object({
  pillar: PillarId,
  status: z.enum(['scored', 'short-circuit', 'abstained']),
  score: z.number().nullable(),
  /** How sure the pillar was (0–1): the replay weighs it like the engine does. Absent on rows older than the field. */
  confidence: z.number().min(0).max(1).optional(),
})
export type PillarScore = z.infer<typeof PillarScore>

export const TelemetryRow = z.object({
  /** The chat request id (what chat.start returned). */
  requestId: z.string(),
  /** When the generation ended, ISO 8601. */
  at: z.string(),
  decisionId: z.string(),
  /** The tier the router chose (after health overrides). */
  tier: Tier,
  pinned: z.string().nullable(),
  complexity: z.number(),
  threshold: z.number(),
  pillars: z.array(PillarScore),
  /** The arm that answered (or failed last); null when none was tried. */
  servedTier: Tier.nullable(),
  endpoint: z.string().nullable(),
  model: z.string().nullable(),
  /** Failed attempts before the answer (failover), as error classes in order. */
  hops: z.number().int().nonnegative(),
  hopErrors: z.array(z.string()),
  outcome: RequestOutcome,
  /** Why it failed, as a class (e.g. `timeout`, `interrupted`, `no-endpoint`); null when ok. */
  errorClass: z.string().nullable(),
  ttftMs: z.number().nullable(),
  totalMs: z.number(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  feedback: FeedbackRating.nullable(),
  /** The semantic pillar's nearest intent cluster (its id), when it scored. */
  cluster: z.string().nullable(),
  /** This answer re-asked that request in the cloud (the Retry button, or an `@cloud` re-send in the retry window). */
  retryOf: z.string().nullable(),
  /** A cloud retry of this answer: the user found it wanting, so it counts as a failed local answer. */
  retriedBy: z.string().nullable(),
})
export type TelemetryRow = z.infer<typeof TelemetryRow>

const Percentiles = z.object({ p50: z.number().nonnegative(), p95: z.number().nonnegative() })

/** Figures of the requests answered (or failed last) in one tier. */
export const TierFigures = z.object({
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Over successful answers only; null when there is none. */
  latencyMs: Percentiles.nullable(),
  ttftMs: Percentiles.nullable(),
  costUsd: z.number().nonnegative(),
})
export type TierFigures = z.infer<typeof TierFigures>

export const TelemetrySummary = z.object({
  /** The window asked for; null = everything kept (retention). */
  windowHours: z.number().positive().nullable(),
  /** Start of the window, ISO 8601; null for everything kept. */
  since: z.string().nullable(),
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  aborted: z.number().int().nonnegative(),
  /** Share of requests answered on this machine / in the cloud (served tier, else the decided tier); null with no requests. */
  localShare: z.number().min(0).max(1).nullable(),
  cloudShare: z.number().min(0).max(1).nullable(),
  /** errors / (requests − aborted): a request the user stopped is not an error. */
  errorRate: z.number().min(0).max(1).nullable(),
  tiers: z.object({ local: TierFigures, cloud: TierFigures }),
  costUsd: z.number().nonnegative(),
  tokens: z.object({ input: z.number().int().nonnegative(), output: z.number().int().nonnegative() }),
  feedback: z.object({ up: z.number().int().nonnegative(), down: z.number().int().nonnegative() }),
  /** Requests per endpoint and model, most used first. */
  endpoints: z.array(
    z.object({
      endpoint: z.string(),
      model: z.string(),
      tier: Tier,
      requests: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
    }),
  ),
})
export type TelemetrySummary = z.infer<typeof TelemetrySummary>

export const MAX_RECENT = 200

/** Channels of telemetry and feedback, spread into the one contract (shared/contract.ts). */
export const telemetryContract = {
  'telemetry.summary': {
    input: z.object({
      windowHours: z
        .number()
        .positive()
        .max(24 * 3660)
        .optional(),
    }),
    output: TelemetrySummary,
  },
  'telemetry.recent': {
    input: z.object({ limit: z.number().int().min(1).max(MAX_RECENT).optional() }),
    output: z.object({ rows: z.array(TelemetryRow) }),
  },
  'feedback.submit': {
    input: z.object({ requestId: z.string().min(1).max(200), rating: FeedbackRating }),
    output: z.object({
      requestId: z.string(),
      rating: FeedbackRating,
      /** The rating this request had before (null for the first one). */
      previous: FeedbackRating.nullable(),
      /** True when the bandit learned from it (the request had an arm, and the rating was new). */
      learned: z.boolean(),
    }),
  },
} as const
