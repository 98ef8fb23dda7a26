import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Tier } from '../../../shared/decision'
import { MAX_RECENT, PillarScore, type FeedbackRating, type TelemetryRow, type TelemetrySummary, type TierFigures } from '../../../shared/telemetry'
import type { ChatOutcome } from '../chat/outcome'
import { RetryLinker } from './retry-link'
import { rowFromOutcome, type NewRow } from './row'
import { migrate, MIGRATIONS, NewerSchemaError, type Migration } from './schema'

/**
 * Telemetry in SQLite (<data folder>/telemetry.db): one row per generation — what was
 * decided, who answered, how fast, at what cost, how it ended, and the user's thumbs.
 *
 * PRIVACY: the prompt and the answer are NEVER stored, nor anything that can quote them (the
 * decision's explanation, pillar reasons and details, upstream error messages). Rows are
 * built field by field in row.ts; store.test.ts runs a canary prompt through and scans the
 * database files' bytes for it.
 *
 * Durability: WAL journal with synchronous=NORMAL (a power cut may lose the last few rows,
 * never corrupt the file); every write is a transaction. Robustness: the app never fails to
 * start because of telemetry — a file that is not a database, fails its quick check or was
 * written by a newer RouteLLM is moved aside to telemetry.db.corrupt-<epoch ms> (or
 * .newer-<epoch ms>) and a fresh one is created, with a warning; when no file can be opened
 * at all, telemetry is kept in memory for the session. Writes never throw into the caller.
 * Retention: rows older than `maxAgeDays` (default 90) and beyond the newest `maxRows` are
 * pruned on open and every `pruneEvery` inserts.
 */

export const TELEMETRY_FILE = 'telemetry.db'

export interface Retention {
  /** Keep rows this many days; null = no age limit. */
  maxAgeDays: number | null
  /** Keep at most this many of the newest rows; null = no row limit. */
  maxRows: number | null
}

/** Rows are written in batches: at most this long after the first queued row, or at this many. */
const BATCH_MS = 250
const BATCH_MAX = 256

export const DEFAULT_RETENTION: Retention = { maxAgeDays: 90, maxRows: 1_000_000 }
const DEFAULT_RETRY_WINDOW_MS = 120_000

export interface TelemetryStoreOptions {
  /** Folder of telemetry.db; null keeps telemetry in memory only (tests, bench). */
  dataDir: string | null
  retention?: Partial<Retention>
  log?: (line: string) => void
  now?: () => number
  /** Prune again after this many inserts (default 1000). */
  pruneEvery?: number
  /** Tests: another migration list. */
  migrations?: readonly Migration[]
  /** How long after a local answer an `@cloud` re-send of the same prompt counts as retrying it (default 120 s). */
  retryWindowMs?: () => number
}

export interface FeedbackResult {
  row: TelemetryRow
  previous: FeedbackRating | null
}

export interface TelemetryInfo {
  /** The database file; null when telemetry is in memory. */
  file: string | null
  schemaVersion: number
  rows: number
  retention: Retention
}

/** Parse ROUTELLM_TELEMETRY_DAYS / ROUTELLM_TELEMETRY_MAX_ROWS (positive numbers; 0 = no limit). */
export function retentionFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): Partial<Retention> {
  const out: Partial<Retention> = {}
  const read = (name: string, key: keyof Retention) => {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') return
    const n = Number(raw)
    if (!Number.isFinite(n) || n < 0) {
      log(`telemetry: ${name}="${raw}" is not a number ≥ 0; using the default`)
      return
    }
    out[key] = n === 0 ? null : n
  }
  read('ROUTELLM_TELEMETRY_DAYS', 'maxAgeDays')
  read('ROUTELLM_TELEMETRY_MAX_ROWS', 'maxRows')
  return out
}

interface DbRow {
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

interface Totals {
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

interface EndpointCount {
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

function prepare(db: Database.Database) {
  const insert = db.prepare<[Record<string, unknown>]>(
    `INSERT INTO requests (${COLUMNS}) VALUES (@id, @ts, @decision_id, @tier, @pinned, @complexity, @threshold, @pillars, @served_tier, @endpoint, @model, @hops, @hop_errors, @outcome, @error_class, @ttft_ms, @total_ms, @input_tokens, @output_tokens, @cost_usd, @cluster, @retry_of)
     ON CONFLICT (id) DO UPDATE SET ${COLUMNS.split(', ')
       .filter((c) => c !== 'id')
       .map((c) => `${c} = excluded.${c}`)
       .join(', ')}`,
  )
  return {
    insert,
    byId: db.prepare<[string], DbRow>(`SELECT ${READ} FROM requests WHERE id = ?`),
    setFeedback: db.prepare<[FeedbackRating, number, string]>('UPDATE requests SET feedback = ?, feedback_ts = ? WHERE id = ?'),
    recent: db.prepare<[number], DbRow>(`SELECT ${READ} FROM requests ORDER BY ts DESC, rowid DESC LIMIT ?`),
    evidence: db.prepare<[number, number], DbRow>(`SELECT ${READ} FROM requests WHERE ts >= ? ORDER BY ts DESC, rowid DESC LIMIT ?`),
    // A cloud retry marks the local answer it re-asked (once: the first retry is the signal).
    markRetried: db.prepare<[string, number, string]>(
      `UPDATE requests SET retried_by = ?, retried_ts = ? WHERE id = ? AND retried_by IS NULL AND COALESCE(served_tier, tier) = 'local'`,
    ),
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
    okTotalAt: db.prepare<[Tier, number], number>(`SELECT total_ms FROM requests WHERE served_tier = ? AND outcome = 'ok' ORDER BY total_ms LIMIT 1 OFFSET ?`).pluck(),
    okTtftCount: db.prepare<[Tier], number>(`SELECT COUNT(*) FROM requests WHERE served_tier = ? AND outcome = 'ok' AND ttft_ms IS NOT NULL`).pluck(),
    okTtftAt: db.prepare<[Tier, number], number>(
      `SELECT ttft_ms FROM requests WHERE served_tier = ? AND outcome = 'ok' AND ttft_ms IS NOT NULL ORDER BY ttft_ms LIMIT 1 OFFSET ?`,
    ).pluck(),
    // …and inside a window: the window's rows by the ts index, sorted here.
    okTotalsSince: db.prepare<[number, Tier], number>(`SELECT total_ms FROM requests INDEXED BY requests_ts WHERE ts >= ? AND served_tier = ? AND outcome = 'ok'`).pluck(),
    okTtftsSince: db.prepare<[number, Tier], number>(
      `SELECT ttft_ms FROM requests INDEXED BY requests_ts WHERE ts >= ? AND served_tier = ? AND outcome = 'ok' AND ttft_ms IS NOT NULL`,
    ).pluck(),
    pruneAge: db.prepare<[number]>('DELETE FROM requests WHERE ts < ?'),
    pruneRows: db.prepare<[number]>('DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests ORDER BY ts DESC, rowid DESC LIMIT -1 OFFSET ?)'),
  }
}

type Statements = ReturnType<typeof prepare>

class QuickCheckError extends Error {
  override name = 'QuickCheckError'
}

/** Errors that mean the file itself is bad (set it aside), as opposed to a locked or read-only one. */
function asideKind(error: unknown): 'corrupt' | 'newer' | null {
  if (error instanceof NewerSchemaError) return 'newer'
  if (error instanceof QuickCheckError) return 'corrupt'
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))) return 'corrupt'
  return null
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0]

function parseJsonArray(text: string): unknown[] {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value : []
  } catch {
    return []
  }
}

function toRow(r: DbRow): TelemetryRow {
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

type Pair = { p50: number; p95: number }
interface TierLatency {
  latencyMs: Pair | null
  ttftMs: Pair | null
}
const nothing: TierLatency = { latencyMs: null, ttftMs: null }

/** Nearest rank (1-based) of the p-th percentile among n values, as a 0-based offset. */
const rankOffset = (n: number, p: number) => Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))

function percentiles(values: number[]): Pair | null {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  return { p50: sorted[rankOffset(sorted.length, 0.5)] ?? 0, p95: sorted[rankOffset(sorted.length, 0.95)] ?? 0 }
}

/** Percentiles read at their ranks from an ordered source of n values. */
function ranked(n: number, at: (offset: number) => number | undefined): Pair | null {
  if (n === 0) return null
  return { p50: at(rankOffset(n, 0.5)) ?? 0, p95: at(rankOffset(n, 0.95)) ?? 0 }
}

function figuresOf(t: Totals, latency: Record<Tier, TierLatency>, endpoints: EndpointCount[]): Omit<TelemetrySummary, 'windowHours' | 'since'> {
  const tier = (name: Tier): TierFigures => ({
    requests: name === 'local' ? t.local : t.n - t.local,
    errors: name === 'local' ? t.localErrors : t.cloudErrors,
    ...latency[name],
    costUsd: round(name === 'local' ? t.localCost : t.cloudCost, 9),
  })
  const counted = t.n - t.aborted
  return {
    requests: t.n,
    ok: t.ok,
    errors: t.errors,
    aborted: t.aborted,
    localShare: t.n === 0 ? null : t.local / t.n,
    cloudShare: t.n === 0 ? null : (t.n - t.local) / t.n,
    errorRate: counted <= 0 ? null : t.errors / counted,
    tiers: { local: tier('local'), cloud: tier('cloud') },
    costUsd: round(t.cost, 9),
    tokens: { input: t.input, output: t.output },
    feedback: { up: t.up, down: t.down },
    endpoints: endpoints.map((e) => ({ endpoint: e.endpoint, model: e.model, tier: e.tier, requests: e.n, errors: e.errors })),
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

export class TelemetryStore {
  readonly retention: Retention
  private readonly log: (line: string) => void
  private readonly now: () => number
  private readonly migrations: readonly Migration[]
  private readonly pruneEvery: number
  /** The file in use; null in memory. */
  private file: string | null
  private db!: Database.Database
  private s!: Statements
  private closed = false
  private insertsSincePrune = 0
  private writeFailures = 0
  /** Rows recorded but not yet written: inserted together, off the request path. */
  private pending: NewRow[] = []
  private batchTimer: NodeJS.Timeout | undefined
  private readonly retries: RetryLinker

  constructor(options: TelemetryStoreOptions) {
    this.retries = new RetryLinker(options.retryWindowMs ?? (() => DEFAULT_RETRY_WINDOW_MS))
    this.log = options.log ?? (() => {})
    this.now = options.now ?? Date.now
    this.migrations = options.migrations ?? MIGRATIONS
    this.pruneEvery = Math.max(1, options.pruneEvery ?? 1000)
    this.retention = { ...DEFAULT_RETENTION, ...options.retention }
    this.file = options.dataDir ? join(options.dataDir, TELEMETRY_FILE) : null
    this.openAny()
    this.prune()
  }

  /** The database file in use (null when telemetry fell back to memory). */
  get path(): string | null {
    return this.file
  }

  info(): TelemetryInfo {
    this.flushPending()
    return {
      file: this.file,
      schemaVersion: this.closed ? 0 : (this.db.pragma('user_version', { simple: true }) as number),
      rows: this.closed ? 0 : this.s.count.get() ?? 0,
      retention: this.retention,
    }
  }

  /** Record one generation. Never throws: telemetry must not break a chat. */
  record(outcome: ChatOutcome): void {
    if (this.closed) return
    let row: NewRow
    try {
      const now = this.now()
      row = { ...rowFromOutcome(outcome, now), retryOf: this.retries.link(outcome, now) }
    } catch (error) {
      this.warnWrite(error)
      return
    }
    this.insert(row)
  }

  /**
   * Queue a prepared row (the bench and tests use it directly). Rows are written together, in
   * one transaction, at most BATCH_MS after the first of them (or once BATCH_MAX wait), and
   * before any read; a kill -9 loses only the rows still queued. Never throws.
   */
  insert(row: NewRow): void {
    if (this.closed) return
    this.pending.push(row)
    if (this.pending.length >= BATCH_MAX) this.flushPending()
    else this.batchTimer ??= setTimeout(() => this.flushPending(), BATCH_MS).unref()
  }

  /** Write the queued rows now (before a read, and on close). */
  flushPending(): void {
    clearTimeout(this.batchTimer)
    this.batchTimer = undefined
    if (this.closed || this.pending.length === 0) return
    const rows = this.pending
    this.pending = []
    const ok = this.write(() => {
      for (const row of rows) this.insertRow(row)
    })
    if (ok && (this.insertsSincePrune += rows.length) >= this.pruneEvery) this.prune()
  }

  private insertRow(row: NewRow): void {
    this.s.insert.run({
      id: row.requestId,
      ts: Math.trunc(row.ts),
      decision_id: row.decisionId,
      tier: row.tier,
      pinned: row.pinned,
      complexity: row.complexity,
      threshold: row.threshold,
      pillars: JSON.stringify(row.pillars.map((p) => ({ pillar: p.pillar, status: p.status, score: p.score, ...(p.confidence !== undefined ? { confidence: p.confidence } : {}) }))),
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
    })
    if (row.retryOf) this.s.markRetried.run(row.requestId, Math.trunc(row.ts), row.retryOf)
  }

  get(requestId: string): TelemetryRow | null {
    if (this.closed) return null
    this.flushPending()
    const r = this.s.byId.get(requestId)
    return r ? toRow(r) : null
  }

  /**
   * Store the user's rating of one answer. Returns the row and the rating it had before, or
   * null when no such request is recorded (never generated here, or pruned).
   */
  setFeedback(requestId: string, rating: FeedbackRating): FeedbackResult | null {
    if (this.closed) return null
    this.flushPending()
    let result: FeedbackResult | null = null
    const ok = this.write(() => {
      const before = this.s.byId.get(requestId)
      if (!before) return
      if (before.feedback !== rating) this.s.setFeedback.run(rating, this.now(), requestId)
      result = { row: { ...toRow(before), feedback: rating }, previous: before.feedback }
    })
    return ok ? result : null
  }

  /** The rows the learning loop reads: since `since` (epoch ms), newest first, at most `limit`. */
  evidence(since: number, limit: number): TelemetryRow[] {
    if (this.closed) return []
    this.flushPending()
    return this.s.evidence.all(Math.floor(since), Math.max(1, Math.trunc(limit))).map(toRow)
  }

  /** The newest rows first, at most MAX_RECENT. */
  recent(limit = 50): TelemetryRow[] {
    if (this.closed) return []
    this.flushPending()
    return this.s.recent.all(Math.min(MAX_RECENT, Math.max(1, Math.trunc(limit)))).map(toRow)
  }

  summary(options: { windowHours?: number | undefined } = {}): TelemetrySummary {
    const windowHours = options.windowHours ?? null
    const since = windowHours === null ? null : Math.floor(this.now() - windowHours * 3_600_000)
    const empty: Totals = { n: 0, ok: 0, errors: 0, aborted: 0, local: 0, localErrors: 0, cloudErrors: 0, cost: 0, localCost: 0, cloudCost: 0, input: 0, output: 0, up: 0, down: 0 }
    const base = {
      windowHours,
      since: since === null ? null : new Date(since).toISOString(),
    }
    if (this.closed) return { ...base, ...figuresOf(empty, { local: nothing, cloud: nothing }, []) }
    this.flushPending()
    const s = this.s
    // A window that holds every row is answered like no window (the faster plans).
    const oldest = s.oldest.get() ?? null
    const all = since === null || oldest === null || since <= oldest
    const totals = (all ? s.totalsAll.get() : s.totalsSince.get(since)) ?? empty
    const endpoints = all ? s.endpointsAll.all() : s.endpointsSince.all(since)
    const latency = (tier: Tier): TierLatency => {
      if (all) return { latencyMs: ranked(s.okTotalCount.get(tier) ?? 0, (k) => s.okTotalAt.get(tier, k)), ttftMs: ranked(s.okTtftCount.get(tier) ?? 0, (k) => s.okTtftAt.get(tier, k)) }
      return { latencyMs: percentiles(s.okTotalsSince.all(since, tier)), ttftMs: percentiles(s.okTtftsSince.all(since, tier)) }
    }
    return { ...base, ...figuresOf(totals, { local: latency('local'), cloud: latency('cloud') }, endpoints) }
  }

  /** Apply the retention limits now; returns how many rows went. */
  prune(): number {
    if (this.pending.length > 0) this.flushPending()
    this.insertsSincePrune = 0
    if (this.closed) return 0
    let removed = 0
    this.write(() => {
      const { maxAgeDays, maxRows } = this.retention
      if (maxAgeDays !== null && maxAgeDays > 0) removed += this.s.pruneAge.run(Math.floor(this.now() - maxAgeDays * 86_400_000)).changes
      if (maxRows !== null && maxRows > 0) removed += this.s.pruneRows.run(Math.floor(maxRows)).changes
    })
    return removed
  }

  /** Flush and close; later calls are no-ops, and so are writes after it. */
  close(): void {
    if (this.closed) return
    this.flushPending()
    this.closed = true
    try {
      this.db.pragma('optimize')
    } catch {
      // only a hint to the query planner
    }
    try {
      this.db.close()
    } catch (error) {
      this.log(`telemetry: could not close ${this.file ?? 'the in-memory database'}: ${firstLine(error)}`)
    }
  }

  // ---- opening, recovery ----

  private openAny(): void {
    if (this.file) {
      try {
        this.use(this.openFile(this.file))
        return
      } catch (error) {
        let last = error
        const kind = asideKind(error)
        if (kind) {
          const aside = this.moveAside(this.file, kind)
          if (aside) {
            this.log(`telemetry: ${this.file} is unusable (${firstLine(error)}); moved it aside to ${aside} and started a fresh one`)
            try {
              this.use(this.openFile(this.file))
              return
            } catch (again) {
              last = again
            }
          }
        }
        this.log(`telemetry: cannot open ${this.file} (${firstLine(last)}); keeping telemetry in memory for this session`)
        this.file = null
      }
    }
    try {
      this.use(this.openMemory())
    } catch (error) {
      // Last resort: every call becomes a no-op; the app still starts.
      this.log(`telemetry: cannot create even an in-memory database (${firstLine(error)}); telemetry is off for this session`)
      this.closed = true
    }
  }

  private use(db: Database.Database): void {
    this.db = db
    this.s = prepare(db)
  }

  private openFile(file: string): Database.Database {
    mkdirSync(join(file, '..'), { recursive: true })
    // Owner-only from the first byte; SQLite gives the -wal and -shm files the same mode.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
    let db: Database.Database | null = null
    try {
      db = new Database(file, { timeout: 500 })
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      const check = db.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new QuickCheckError(`quick_check: ${String(check)}`)
      migrate(db, this.migrations)
      return db
    } catch (error) {
      try {
        db?.close()
      } catch {
        // already broken
      }
      throw error
    }
  }

  private openMemory(): Database.Database {
    const db = new Database(':memory:')
    migrate(db, this.migrations)
    return db
  }

  /** Rename the file and its WAL out of the way (a stale WAL must never meet a fresh file). */
  private moveAside(file: string, kind: 'corrupt' | 'newer'): string | null {
    const aside = `${file}.${kind}-${this.now()}`
    try {
      renameSync(file, aside)
    } catch (error) {
      this.log(`telemetry: cannot move ${file} aside: ${firstLine(error)}`)
      return null
    }
    for (const suffix of ['-wal', '-shm']) {
      try {
        if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix)
      } catch {
        rmSync(file + suffix, { force: true })
      }
    }
    return aside
  }

  /** Run a write in a transaction; on a corrupt file, recover once and retry. Never throws. */
  private write(fn: () => void): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.closed) return false
      try {
        this.db.transaction(fn)()
        return true
      } catch (error) {
        if (attempt === 0 && this.file && asideKind(error) === 'corrupt') {
          this.recover(error)
          continue
        }
        this.warnWrite(error)
        return false
      }
    }
    return false
  }

  private recover(error: unknown): void {
    try {
      this.db.close()
    } catch {
      // it is broken anyway
    }
    const file = this.file
    if (file) this.log(`telemetry: ${file} became unreadable (${firstLine(error)}); recovering`)
    this.openAny()
  }

  private warnWrite(error: unknown): void {
    this.writeFailures++
    // The first failure, then every 100th: a full disk must not flood the log.
    if (this.writeFailures === 1 || this.writeFailures % 100 === 0) {
      this.log(`telemetry: a write failed (${firstLine(error)}; ${this.writeFailures} so far); the chat is not affected`)
    }
  }
}
