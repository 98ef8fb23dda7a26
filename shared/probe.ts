import { z } from 'zod'

/**
 * The local self-check: the local model answers a bundled set of exactly checkable prompts,
 * grouped by semantic cluster; per-cluster pass rates then move that cluster's routing.
 */

/** How one cluster's probes went. `run` excludes the probes left out when the time budget ran out. */
export const ProbeClusterResult = z.object({
  cluster: z.string(),
  passed: z.number().int().nonnegative(),
  run: z.number().int().nonnegative(),
  /** Probes of this cluster not run (stopped, or out of time). */
  skipped: z.number().int().nonnegative(),
})
export type ProbeClusterResult = z.infer<typeof ProbeClusterResult>

/** The last finished self-check, as stored in <data folder>/probe-results.json. */
export const ProbeResults = z.object({
  version: z.literal(1),
  /** The Ollama model that answered, and what identifies that exact build of it. */
  model: z.string(),
  digest: z.string().nullable(),
  modifiedAt: z.string().nullable(),
  startedAt: z.string(),
  ms: z.number().nonnegative(),
  /** True when the run ended early (stopped or out of time): the clusters' `skipped` say what is missing. */
  partial: z.boolean(),
  clusters: z.array(ProbeClusterResult),
})
export type ProbeResults = z.infer<typeof ProbeResults>

/** One step of a running self-check (the `probe.progress` event and the CLI's stderr). */
export const ProbeProgress = z.object({
  model: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  itemId: z.string(),
  cluster: z.string(),
  passed: z.boolean(),
  /** Why a failed probe failed ("answered 14, expected 12", "no answer within 10000 ms"). */
  note: z.string(),
})
export type ProbeProgress = z.infer<typeof ProbeProgress>

export const ProbeState = z.enum(['idle', 'running', 'stopping'])

export const ProbeStatus = z.object({
  /** Grows with every change: a client keeps the newest, whether it came as an event or as a call's answer. */
  revision: z.number().int().nonnegative(),
  state: ProbeState,
  /** The running check's progress so far; null when idle. */
  progress: ProbeProgress.omit({ itemId: true, cluster: true, passed: true, note: true }).nullable(),
  /** Why the last run could not start or ended in error; null when it finished. */
  error: z.string().nullable(),
  results: ProbeResults.nullable(),
  /** What the results do to routing now: points toward the cloud per cluster, with the reason shown in decisions. */
  offsets: z.array(z.object({ cluster: z.string(), points: z.number(), reason: z.string() })),
})
export type ProbeStatus = z.infer<typeof ProbeStatus>

export const probeContract = {
  'probe.start': { input: z.object({ model: z.string().min(1).max(200).optional() }), output: ProbeStatus },
  'probe.stop': { input: z.object({}), output: ProbeStatus },
  'probe.status': { input: z.object({}), output: ProbeStatus },
} as const

export const probeEvents = {
  'probe.progress': ProbeProgress,
  /** Sent when a self-check starts, ends, is stopped or fails. */
  'probe.status': ProbeStatus,
} as const
