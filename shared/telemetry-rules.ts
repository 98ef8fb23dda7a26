import { z } from 'zod'

/**
 * Telemetry aggregation rules (<data folder>/telemetry-rules.json, template in
 * resources/templates/telemetry-rules.json): how long rows are kept, which windows the
 * learning loop reads, what counts as a failed local answer, and the guardrails of Optimize
 * Load. Validated like the policy: a bad file names its field and the defaults stay in force.
 *
 * The guardrails have hard ceilings in the schema: a file may tighten them, never loosen
 * them past what the product promises (≤ 5 index points per cluster and ≤ 3 threshold
 * points per run, ≥ 20 decisions of evidence, exploration ≥ 0.1 while an arm is young).
 */

export const MAX_CLUSTER_STEP = 5
export const MAX_THRESHOLD_STEP = 3
export const MIN_EVIDENCE_FLOOR = 20
export const MIN_WARMUP_EPSILON = 0.1

export const TelemetryRules = z.strictObject({
  version: z.literal(1),
  /** For the person reading the file. */
  note: z.string().max(500).optional(),
  retention: z
    .strictObject({
      /** Rows older than this are deleted; null = no age limit. */
      maxAgeDays: z.number().positive().nullable().default(90),
      /** At most this many newest rows are kept; null = no row limit. */
      maxRows: z.number().int().positive().nullable().default(1_000_000),
    })
    .prefault({}),
  /** An `@cloud` re-send of the same prompt this soon after a local answer counts as that answer failing. */
  retryWindowSeconds: z.number().int().min(0).max(3600).default(120),
  windows: z
    .strictObject({
      /** Decisions the replay and Optimize Load read: the last this many days… */
      evidenceDays: z.number().positive().max(365).default(14),
      /** …at most this many rows, newest first. */
      evidenceRows: z.number().int().min(100).max(200_000).default(20_000),
      /** Local time to first token now (this window) against before (the rest of the evidence). */
      recentHours: z
        .number()
        .positive()
        .max(24 * 30)
        .default(24),
    })
    .prefault({}),
  /** What makes a local answer count as failed, per signal. A thumbs up never does. */
  failure: z
    .strictObject({
      thumbsDown: z.boolean().default(true),
      retriedInCloud: z.boolean().default(true),
      /** Stopped by the user before the answer ended. */
      stopped: z.boolean().default(true),
      /** An error after text had streamed, or no local arm could answer. */
      errors: z.boolean().default(true),
      /** The SLM judge rated the prompt at least this hard (0–100) yet it was answered locally; null = not a signal. */
      judgeScoreAbove: z.number().min(0).max(100).nullable().default(null),
    })
    .prefault({}),
  optimize: z
    .strictObject({
      /** Decisions in a cluster before its offset may move. */
      minEvidence: z.number().int().min(MIN_EVIDENCE_FLOOR).default(MIN_EVIDENCE_FLOOR),
      /** Most index points one run moves a cluster's offset. */
      maxClusterStep: z.number().positive().max(MAX_CLUSTER_STEP).default(MAX_CLUSTER_STEP),
      /** Most points one run moves the threshold. */
      maxThresholdStep: z.number().positive().max(MAX_THRESHOLD_STEP).default(MAX_THRESHOLD_STEP),
      /** A cluster whose local answers fail more often than this moves cloudward… */
      failureRateHigh: z.number().min(0).max(1).default(0.25),
      /** …and one failing less often than this drifts back toward no offset. */
      failureRateLow: z.number().min(0).max(1).default(0.08),
      /** Points per run an offset drifts back toward zero once its failures stop. */
      driftStep: z.number().positive().max(MAX_CLUSTER_STEP).default(2),
      /** Local TTFT p50 this many times its earlier level counts as rising. */
      ttftRiseFactor: z.number().min(1).default(1.5),
      /** Budget spent (share of the cap) from which cost pushes work local. */
      budgetNearShare: z.number().min(0).max(1).default(0.8),
      /** Runs Optimize Load on its own (proposals are applied through the audited override). Off by default. */
      schedule: z
        .strictObject({
          enabled: z.boolean().default(false),
          everyHours: z
            .number()
            .min(1)
            .max(24 * 30)
            .default(24),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((o) => o.failureRateLow < o.failureRateHigh, { message: 'failureRateLow must be below failureRateHigh', path: ['failureRateLow'] }),
})
export type TelemetryRules = z.infer<typeof TelemetryRules>

export const DEFAULT_TELEMETRY_RULES: TelemetryRules = TelemetryRules.parse({ version: 1 })
