import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { MAX_RECENT, type FeedbackRating, type TelemetryRow, type TelemetrySummary } from '../../../shared/telemetry'
import type { ChatOutcome } from '../chat/outcome'
import { openTelemetryDb, asideKind, CONNECTION_PRAGMAS, firstLine } from './recovery'
import { RetryLinker } from './retry-link'
import { rowFromOutcome, type NewRow } from './row'
import { MIGRATIONS, type Migration } from './schema'
import { prepare, toParams, toRow, type Statements } from './sql'
import { emptyFigures, figuresSince } from './summaries'
import { applyJob, type PruneLimits, type WriteJob } from './write-job'
import { WriteWorker } from './write-worker'

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
 * never corrupt the file); every write is a transaction. Rows are queued and written in batches
 * by a writer thread with its own connection (write-worker.ts), so neither the inserts nor the
 * WAL checkpoints they cause run on the main thread; a kill -9 loses at most the rows queued in
 * the last BATCH_MS and the batch the thread was committing. Reads wait for every row recorded
 * before them. A file store whose thread cannot start or dies, and an in-memory store, write on
 * the main thread instead. Robustness: the app never fails to start because of telemetry
 * (recovery.ts sets a bad file aside, or falls back to memory), and writes never throw into
 * the caller. The SQL lives in sql.ts, the summary's figures in summaries.ts.
 * Retention: rows older than `maxAgeDays` (default 90) and beyond the newest `maxRows` (by
 * insertion order) are pruned on open and every `pruneEvery` inserts (then on the writer thread).
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

/** SQLite's default: a connection checkpoints after a commit that leaves the WAL this many pages long. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000

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
  /** Tests: the SQLite module the writer thread loads (default: better-sqlite3). */
  writerDriver?: string
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
  /** Rows recorded but not yet written, as insert parameters: inserted together, off the request path. */
  private pending: Record<string, unknown>[] = []
  private batchTimer: NodeJS.Timeout | undefined
  private readonly retries: RetryLinker
  /** The writer thread, started with the first batch of a file store; null before, in memory, and after it failed. */
  private worker: WriteWorker | null = null
  private workerFailed = false
  private readonly writerDriver: string | undefined

  constructor(options: TelemetryStoreOptions) {
    this.retries = new RetryLinker(options.retryWindowMs ?? (() => DEFAULT_RETRY_WINDOW_MS))
    this.log = options.log ?? (() => {})
    this.now = options.now ?? Date.now
    this.migrations = options.migrations ?? MIGRATIONS
    this.pruneEvery = Math.max(1, options.pruneEvery ?? 1000)
    this.retention = { ...DEFAULT_RETENTION, ...options.retention }
    this.writerDriver = options.writerDriver
    this.file = options.dataDir ? join(options.dataDir, TELEMETRY_FILE) : null
    this.openAny()
    // On the main thread, before any writer thread: start-up is not the request path.
    this.write(() => applyJob(this.s, { rows: [], prune: this.pruneLimits() }))
  }

  /** The database file in use (null when telemetry fell back to memory). */
  get path(): string | null {
    return this.file
  }

  info(): TelemetryInfo {
    if (!this.closed) this.sync()
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
    let params: Record<string, unknown>
    try {
      params = toParams(row)
    } catch (error) {
      this.warnWrite(error)
      return
    }
    this.pending.push(params)
    if (this.pending.length >= BATCH_MAX) this.flushPending()
    else this.batchTimer ??= setTimeout(() => this.flushPending(), BATCH_MS).unref()
  }

  /** Hand the queued rows to the writer (on a timer, when BATCH_MAX wait, and before a read). Never blocks on the writer thread. */
  flushPending(): void {
    clearTimeout(this.batchTimer)
    this.batchTimer = undefined
    if (this.closed || this.pending.length === 0) return
    const rows = this.pending
    this.pending = []
    const due = (this.insertsSincePrune += rows.length) >= this.pruneEvery
    if (due) this.insertsSincePrune = 0
    this.submit({ rows, prune: due ? this.pruneLimits() : null })
  }

  /** Every row recorded so far is committed (reads call this first): flush, then wait for the writer thread. */
  private sync(): void {
    this.flushPending()
    this.worker?.settle()
  }

  get(requestId: string): TelemetryRow | null {
    if (this.closed) return null
    this.sync()
    const r = this.s.byId.get(requestId)
    return r ? toRow(r) : null
  }

  /**
   * Store the user's rating of one answer. Returns the row and the rating it had before, or
   * null when no such request is recorded (never generated here, or pruned).
   */
  setFeedback(requestId: string, rating: FeedbackRating): FeedbackResult | null {
    if (this.closed) return null
    // Rare and user-initiated: written on the main connection, after the writer has committed the row.
    this.sync()
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
    this.sync()
    return this.s.evidence.all(Math.floor(since), Math.max(1, Math.trunc(limit))).map(toRow)
  }

  /** The newest rows first, at most MAX_RECENT. */
  recent(limit = 50): TelemetryRow[] {
    if (this.closed) return []
    this.sync()
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
    this.sync()
    return { ...base, ...figuresSince(this.s, since) }
  }

  /** Apply the retention limits now (with the queued rows), and wait for it; returns how many rows went. */
  prune(): number {
    clearTimeout(this.batchTimer)
    this.batchTimer = undefined
    this.insertsSincePrune = 0
    if (this.closed) return 0
    const rows = this.pending
    this.pending = []
    return this.submit({ rows, prune: this.pruneLimits() }, true)
  }

  /** Flush, wait for the writer thread's last commit and end it, then close; later calls are no-ops, and so are writes after it. */
  close(): void {
    if (this.closed) return
    this.flushPending()
    // A thread that fails to close hands its unfinished jobs back (fallBack), written here before closing.
    if (this.worker?.close()) this.worker = null
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

  private pruneLimits(): PruneLimits {
    const { maxAgeDays, maxRows } = this.retention
    return {
      before: maxAgeDays !== null && maxAgeDays > 0 ? Math.floor(this.now() - maxAgeDays * 86_400_000) : null,
      keep: maxRows !== null && maxRows > 0 ? Math.floor(maxRows) : null,
    }
  }

  /**
   * Write a job on the writer thread (started on first use for a file store) or, without one, here.
   * With `wait`, block until it is committed and return the rows its prune removed (else 0).
   */
  private submit(job: WriteJob, wait = false): number {
    const worker = this.worker ?? this.startWorker()
    if (worker) {
      const seq = worker.post(job, wait)
      if (!wait || !worker.settle()) return 0
      return worker.takeRemoved(seq) ?? 0
    }
    let removed = 0
    this.write(() => (removed = applyJob(this.s, job)))
    return removed
  }

  private startWorker(): WriteWorker | null {
    if (!this.file || this.workerFailed) return null
    try {
      this.worker = new WriteWorker({ file: this.file, pragmas: CONNECTION_PRAGMAS, driver: this.writerDriver, onDead: (reason) => this.fallBack(reason) })
    } catch (error) {
      this.fallBack(`${firstLine(error)}`)
      return null
    }
    // Checkpoints (an fsync each) then run on the writer thread only: this connection's own rare writes never start one.
    this.db.pragma('wal_autocheckpoint = 0')
    return this.worker
  }

  /** The writer thread is gone: say so once, and write what it had not committed, and everything after it, here. */
  private fallBack(reason: string): void {
    const worker = this.worker
    this.worker = null
    if (this.workerFailed) return
    this.workerFailed = true
    this.log(`telemetry: the writer thread stopped (${reason}); writing on the main thread instead`)
    if (this.closed) return
    this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`)
    for (const job of worker?.unfinished() ?? []) this.write(() => applyJob(this.s, job))
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
    // The thread's connection would go on writing to the file set aside: its jobs are written here, after the fresh file opens.
    const unfinished = this.worker?.unfinished() ?? []
    this.worker = null
    this.workerFailed = true
    try {
      this.db.close()
    } catch {
      // it is broken anyway
    }
    const file = this.file
    if (file) this.log(`telemetry: ${file} became unreadable (${firstLine(error)}); recovering`)
    this.openAny()
    for (const job of unfinished) this.write(() => applyJob(this.s, job))
  }

  private warnWrite(error: unknown): void {
    this.writeFailures++
    // The first failure, then every 100th: a full disk must not flood the log.
    if (this.writeFailures === 1 || this.writeFailures % 100 === 0) {
      this.log(`telemetry: a write failed (${firstLine(error)}; ${this.writeFailures} so far); the chat is not affected`)
    }
  }
}
