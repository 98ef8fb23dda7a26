import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { MAX_RECENT, type FeedbackRating, type TelemetryRow, type TelemetrySummary } from '../../../shared/telemetry'
import type { ChatOutcome } from '../chat/outcome'
import { openTelemetryDb, asideKind, firstLine } from './recovery'
import { RetryLinker } from './retry-link'
import { rowFromOutcome, type NewRow } from './row'
import { MIGRATIONS, type Migration } from './schema'
import { prepare, toParams, toRow, type Statements } from './sql'
import { emptyFigures, figuresSince } from './summaries'

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
 * start because of telemetry (recovery.ts sets a bad file aside, or falls back to memory),
 * and writes never throw into the caller. The SQL lives in sql.ts, the summary's figures in
 * summaries.ts.
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
      rows: this.closed ? 0 : (this.s.count.get() ?? 0),
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
    this.s.insert.run(toParams(row))
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
    const base = {
      windowHours,
      since: since === null ? null : new Date(since).toISOString(),
    }
    if (this.closed) return { ...base, ...emptyFigures() }
    this.flushPending()
    return { ...base, ...figuresSince(this.s, since) }
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

  /** Opens the file (or, failing that, memory); when nothing opens, telemetry is off for the session. */
  private openAny(): void {
    const opened = openTelemetryDb(this.file, { migrations: this.migrations, now: this.now, log: this.log })
    if (!opened) {
      this.file = null
      this.closed = true
      return
    }
    this.file = opened.file
    this.db = opened.db
    this.s = prepare(opened.db)
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
