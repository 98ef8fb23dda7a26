import type Database from 'better-sqlite3'
import type { Tier } from '../../../shared/decision'
import { PillarScore, type FeedbackRating, type TelemetryRow } from '../../../shared/telemetry'
import type { NewRow } from './row'

/**
 * The telemetry store's SQL: its prepared statements, and the translation between a row as
 * the engine knows it and the `requests` table's columns (schema.ts creates the table).
 */

export interface DbRow {
  id: string
  ts: number
  decision_id: string
  tier: Tier
  pinned: string | null
  complexity: number
  threshold: number
  pillars: string
  served_tier: Tier | null
  endpoint: string | null
  model: string | null
  hops: number
  hop_errors: string
  outcome: TelemetryRow['outcome']
  error_class: string | null
  ttft_ms: number | null
  total_ms: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
  feedback: FeedbackRating | null
  cluster: string | null
  retry_of: string | null
  retried_by: string | null
}

export interface Totals {
  n: number
  ok: number
  errors: number
  aborted: number
  local: number
  localErrors: number
  cloudErrors: number
  cost: number
  localCost: number
  cloudCost: number
  input: number
  output: number
  up: number
  down: number
}

const COLUMNS =
  'id, ts, decision_id, tier, pinned, complexity, threshold, pillars, served_tier, endpoint, model, hops, hop_errors, outcome, error_class, ttft_ms, total_ms, input_tokens, output_tokens, cost_usd, cluster, retry_of'

/** What a read returns: the written columns and the ones set later (thumbs, a cloud retry). */
const READ = `${COLUMNS}, feedback, retried_by`

/** The tier a request counts for: where it was answered (or failed last), else where it was sent. */
const EFFECTIVE_TIER = 'COALESCE(served_tier, tier)'

const TOTALS_SQL = `SELECT COUNT(*) AS n,
    TOTAL(outcome = 'ok') AS ok, TOTAL(outcome = 'error') AS errors, TOTAL(outcome = 'aborted') AS aborted,
    TOTAL(${EFFECTIVE_TIER} = 'local') AS local,
    TOTAL(${EFFECTIVE_TIER} = 'local' AND outcome = 'error') AS localErrors, TOTAL(${EFFECTIVE_TIER} = 'cloud' AND outcome = 'error') AS cloudErrors,
    TOTAL(cost_usd) AS cost,
    TOTAL(CASE WHEN ${EFFECTIVE_TIER} = 'local' THEN cost_usd END) AS localCost, TOTAL(CASE WHEN ${EFFECTIVE_TIER} = 'cloud' THEN cost_usd END) AS cloudCost,
    TOTAL(input_tokens) AS input, TOTAL(output_tokens) AS output,
    TOTAL(feedback = 'up') AS up, TOTAL(feedback = 'down') AS down
  FROM requests`

export interface EndpointCount {
  endpoint: string
  model: string
  tier: Tier
  n: number
  errors: number
}

const endpointsSql = (window: string) =>
  `SELECT endpoint, COALESCE(model, '') AS model, ${EFFECTIVE_TIER} AS tier, COUNT(*) AS n, TOTAL(outcome = 'error') AS errors
     FROM requests WHERE ${window} endpoint IS NOT NULL
    GROUP BY endpoint, model, 3 ORDER BY n DESC, endpoint, model LIMIT 100`

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>

/** The store's prepared statements (see `prepare` for what each reads or writes). */
export interface Statements {
  insert: Stmt<[Record<string, unknown>]>
  byId: Stmt<[string], DbRow>
  setFeedback: Stmt<[FeedbackRating, number, string]>
  recent: Stmt<[number], DbRow>
  evidence: Stmt<[number, number], DbRow>
  markRetried: Stmt<[string, number, string]>
  count: Stmt<[], number>
  oldest: Stmt<[], number | null>
  totalsAll: Stmt<[], Totals>
  totalsSince: Stmt<[number], Totals>
  endpointsAll: Stmt<[], EndpointCount>
  endpointsSince: Stmt<[number], EndpointCount>
  okTotalCount: Stmt<[Tier], number>
  okTotalAt: Stmt<[Tier, number], number>
  okTtftCount: Stmt<[Tier], number>
  okTtftAt: Stmt<[Tier, number], number>
  okTotalsSince: Stmt<[number, Tier], number>
  okTtftsSince: Stmt<[number, Tier], number>
  pruneAge: Stmt<[number]>
  pruneRows: Stmt<[number]>
}

/**
 * The statements that write rows, as SQL text: prepared here on the main connection, and sent to
 * the writer thread (write-worker.ts), which prepares the same text on its own connection.
 */
export const WRITE_SQL = {
  insert: `INSERT INTO requests (${COLUMNS}) VALUES (@id, @ts, @decision_id, @tier, @pinned, @complexity, @threshold, @pillars, @served_tier, @endpoint, @model, @hops, @hop_errors, @outcome, @error_class, @ttft_ms, @total_ms, @input_tokens, @output_tokens, @cost_usd, @cluster, @retry_of)
     ON CONFLICT (id) DO UPDATE SET ${COLUMNS.split(', ')
       .filter((c) => c !== 'id')
       .map((c) => `${c} = excluded.${c}`)
       .join(', ')}`,
  // A cloud retry marks the local answer it re-asked (once: the first retry is the signal).
  markRetried: `UPDATE requests SET retried_by = ?, retried_ts = ? WHERE id = ? AND retried_by IS NULL AND COALESCE(served_tier, tier) = 'local'`,
  pruneAge: 'DELETE FROM requests WHERE ts < ?',
  // The newest N by insertion order (rowid), not by ts: one walk down the rowid b-tree instead of
  // the whole ts index (5.6 ms against 61 ms at a million rows). An upsert keeps its row's rowid
  // and deletes only take the oldest, so rowids have no gaps among the newest rows and this keeps N.
  pruneRows: 'DELETE FROM requests WHERE rowid <= (SELECT max(rowid) FROM requests) - ?',
} as const

export function prepare(db: Database.Database): Statements {
  return {
    insert: db.prepare<[Record<string, unknown>]>(WRITE_SQL.insert),
    byId: db.prepare<[string], DbRow>(`SELECT ${READ} FROM requests WHERE id = ?`),
    setFeedback: db.prepare<[FeedbackRating, number, string]>('UPDATE requests SET feedback = ?, feedback_ts = ? WHERE id = ?'),
    recent: db.prepare<[number], DbRow>(`SELECT ${READ} FROM requests ORDER BY ts DESC, rowid DESC LIMIT ?`),
    evidence: db.prepare<[number, number], DbRow>(`SELECT ${READ} FROM requests WHERE ts >= ? ORDER BY ts DESC, rowid DESC LIMIT ?`),
    markRetried: db.prepare<[string, number, string]>(WRITE_SQL.markRetried),
    count: db.prepare<[], number>('SELECT COUNT(*) FROM requests').pluck(),
    oldest: db.prepare<[], number | null>('SELECT MIN(ts) FROM requests').pluck(),
    // Every figure but the percentiles and the endpoints in one pass; `WHERE ts >= ?` only for a window
    // (over everything kept, a plain scan beats walking the ts index).
    totalsAll: db.prepare<[], Totals>(TOTALS_SQL),
    totalsSince: db.prepare<[number], Totals>(`${TOTALS_SQL} WHERE ts >= ?`),
    endpointsAll: db.prepare<[], EndpointCount>(endpointsSql('')),
    endpointsSince: db.prepare<[number], EndpointCount>(endpointsSql('ts >= ? AND')),
    // Percentiles over everything kept: count, then walk the partial indexes to the rank (no sort).
    // Latency figures are over successful answers: a failure's duration says little about speed.
    okTotalCount: db.prepare<[Tier], number>(`SELECT COUNT(*) FROM requests WHERE served_tier = ? AND outcome = 'ok'`).pluck(),
    okTotalAt: db
      .prepare<[Tier, number], number>(`SELECT total_ms FROM requests WHERE served_tier = ? AND outcome = 'ok' ORDER BY total_ms LIMIT 1 OFFSET ?`)
      .pluck(),
    okTtftCount: db.prepare<[Tier], number>(`SELECT COUNT(*) FROM requests WHERE served_tier = ? AND outcome = 'ok' AND ttft_ms IS NOT NULL`).pluck(),
    okTtftAt: db
      .prepare<[Tier, number], number>(
        `SELECT ttft_ms FROM requests WHERE served_tier = ? AND outcome = 'ok' AND ttft_ms IS NOT NULL ORDER BY ttft_ms LIMIT 1 OFFSET ?`,
      )
      .pluck(),
    // …and inside a window: the window's rows by the ts index, sorted here.
    okTotalsSince: db
      .prepare<[number, Tier], number>(`SELECT total_ms FROM requests INDEXED BY requests_ts WHERE ts >= ? AND served_tier = ? AND outcome = 'ok'`)
      .pluck(),
    okTtftsSince: db
      .prepare<[number, Tier], number>(
        `SELECT ttft_ms FROM requests INDEXED BY requests_ts WHERE ts >= ? AND served_tier = ? AND outcome = 'ok' AND ttft_ms IS NOT NULL`,
      )
      .pluck(),
    pruneAge: db.prepare<[number]>(WRITE_SQL.pruneAge),
    pruneRows: db.prepare<[number]>(WRITE_SQL.pruneRows),
  }
}

/** The columns of a row to insert, as the insert statement names its parameters. */
export function toParams(row: NewRow): Record<string, unknown> {
  return {
    id: row.requestId,
    ts: Math.trunc(row.ts),
    decision_id: row.decisionId,
    tier: row.tier,
    pinned: row.pinned,
    complexity: row.complexity,
    threshold: row.threshold,
    pillars: JSON.stringify(
      row.pillars.map((p) => ({ pillar: p.pillar, status: p.status, score: p.score, ...(p.confidence !== undefined ? { confidence: p.confidence } : {}) })),
    ),
    served_tier: row.servedTier,
    endpoint: row.endpoint,
    model: row.model,
    hops: row.hops,
    hop_errors: JSON.stringify(row.hopErrors),
    outcome: row.outcome,
    error_class: row.errorClass,
    ttft_ms: row.ttftMs,
    total_ms: row.totalMs,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cost_usd: row.costUsd,
    cluster: row.cluster ?? null,
    retry_of: row.retryOf ?? null,
  }
}

function parseJsonArray(text: string): unknown[] {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value : []
  } catch {
    return []
  }
}

/** A stored row as the contract shows it; JSON columns that do not parse read as empty lists. */
export function toRow(r: DbRow): TelemetryRow {
  return {
    requestId: r.id,
    at: new Date(r.ts).toISOString(),
    decisionId: r.decision_id,
    tier: r.tier,
    pinned: r.pinned,
    complexity: r.complexity,
    threshold: r.threshold,
    pillars: parseJsonArray(r.pillars).flatMap((p) => {
      const parsed = PillarScore.safeParse(p)
      return parsed.success ? [parsed.data] : []
    }),
    servedTier: r.served_tier,
    endpoint: r.endpoint,
    model: r.model,
    hops: r.hops,
    hopErrors: parseJsonArray(r.hop_errors).filter((e): e is string => typeof e === 'string'),
    outcome: r.outcome,
    errorClass: r.error_class,
    ttftMs: r.ttft_ms,
    totalMs: r.total_ms,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost_usd,
    feedback: r.feedback,
    cluster: r.cluster,
    retryOf: r.retry_of,
    retriedBy: r.retried_by,
  }
}
