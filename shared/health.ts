import { z } from 'zod'
import { Tier } from './decision'
import { ProviderKind } from './endpoints'

/**
 * Why one attempt on one endpoint failed. The class decides what happens next:
 * - misconfigured: bad/missing key (401/403) or wrong URL; no retry, endpoint disabled until its settings change
 * - rate-limited: 429; the endpoint cools down for Retry-After
 * - unavailable, timeout, stalled, malformed, stream-error: count against the endpoint's health; next arm
 * - context-length, model-missing, bad-request: the request (or model), not the endpoint, is at fault; next arm
 * - offline: the network is down; cloud is disabled at once
 * - aborted: the user stopped it
 */
export const ErrorClass = z.enum([
  'misconfigured',
  'rate-limited',
  'unavailable',
  'timeout',
  'stalled',
  'malformed',
  'stream-error',
  'context-length',
  'model-missing',
  'bad-request',
  'offline',
  'aborted',
])
export type ErrorClass = z.infer<typeof ErrorClass>

/** One failed attempt of a request on one arm, before the router moved on (failover). */
export const Hop = z.object({
  endpoint: z.string(),
  model: z.string(),
  tier: Tier,
  error: ErrorClass,
  /** Human-readable, never a key or a raw upstream body. */
  message: z.string(),
  retryAfterMs: z.number().nonnegative().optional(),
})
export type Hop = z.infer<typeof Hop>

const Percentiles = z.object({ p50: z.number().nonnegative(), p95: z.number().nonnegative() })

/**
 * Health of one endpoint as the dashboard shows it.
 * healthy/degraded: the circuit is closed (degraded = error rate or latency well above its baseline);
 * open: cooling down after failures; half-open: the next request is a probe;
 * misconfigured: bad or missing key / URL; disabled: turned off in settings; offline: cloud while the network is down;
 * unreachable: a local server that did not answer the last probe (or has no model to serve).
 */
export const EndpointState = z.enum(['healthy', 'degraded', 'open', 'half-open', 'misconfigured', 'offline', 'disabled', 'unreachable'])
export type EndpointState = z.infer<typeof EndpointState>

export const EndpointStatus = z.object({
  id: z.string(),
  name: z.string(),
  provider: ProviderKind,
  tier: Tier,
  /** Base URL without credentials. */
  baseURL: z.string(),
  models: z.array(z.string()),
  state: EndpointState,
  /** Why the state is what it is, for a person; null when healthy. */
  reason: z.string().nullable(),
  /** Outcomes in the rolling window. */
  samples: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1).nullable(),
  latencyMs: Percentiles.nullable(),
  ttftMs: Percentiles.nullable(),
  cooldownRemainingMs: z.number().nonnegative().nullable(),
  lastError: z.object({ error: ErrorClass, message: z.string(), at: z.string() }).nullable(),
  /** Cloud endpoints: whether a key is configured ('not-needed' for local ones). Never the key. */
  key: z.enum(['set', 'missing', 'not-needed', 'unknown']),
})
export type EndpointStatus = z.infer<typeof EndpointStatus>

export const NetworkStatus = z.object({
  offline: z.boolean(),
  /** setting: the user switched offline on; env: ROUTELLM_OFFLINE=1; detected: network failures seen. */
  cause: z.enum(['setting', 'env', 'detected']).nullable(),
  reason: z.string().nullable(),
  since: z.string().nullable(),
})
export type NetworkStatus = z.infer<typeof NetworkStatus>

/** A damaged data file (cost.json, network.json, probe-results.json, bandit.json, clusters.json) and what is in force instead. */
export const DataFileProblem = z.object({
  /** The file's name in the data folder. */
  file: z.string(),
  /** What is wrong, naming the field (or line and column), and what is in force until it is fixed. */
  message: z.string(),
})
export type DataFileProblem = z.infer<typeof DataFileProblem>

export const EndpointsReport = z.object({
  network: NetworkStatus,
  endpoints: z.array(EndpointStatus),
  /** Damaged data files; every protection they hold stays on (last good copy, or the strictest setting). */
  problems: z.array(DataFileProblem).optional(),
})
export type EndpointsReport = z.infer<typeof EndpointsReport>

export const BudgetAction = z.enum(['route-local', 'refuse'])
export type BudgetAction = z.infer<typeof BudgetAction>

/** Spending caps in US dollars; null = no cap. */
export const Budget = z.object({
  dailyUsd: z.number().min(0).nullable(),
  monthlyUsd: z.number().min(0).nullable(),
  /** What happens to a cloud-bound prompt once a cap is reached. */
  action: BudgetAction,
})
export type Budget = z.infer<typeof Budget>

export const CostSummary = z.object({
  todayUsd: z.number().nonnegative(),
  monthUsd: z.number().nonnegative(),
  budget: Budget,
  /** Which cap is reached, if any. */
  exceeded: z.enum(['daily', 'monthly']).nullable(),
  /** Prices set by the user (key: "model" or "endpoint/model"), USD per million tokens. */
  prices: z.record(z.string(), z.object({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) })),
})
export type CostSummary = z.infer<typeof CostSummary>
