/**
 * One batch of telemetry writes: the rows queued since the last batch (as insert parameters, see
 * `toParams`), and, every so often, the retention limits to apply after them. The same function
 * applies it on the writer thread and, when that thread is not available, on the main thread.
 */

export interface PruneLimits {
  /** Delete rows older than this (epoch ms); null = no age limit. */
  before: number | null
  /** Keep at most this many of the newest rows; null = no row limit. */
  keep: number | null
}

export interface WriteJob {
  rows: Record<string, unknown>[]
  prune: PruneLimits | null
}

/** What applyJob needs of the prepared write statements (better-sqlite3's `run`). */
interface Runnable {
  run(...params: unknown[]): { changes: number }
}
export interface JobStatements {
  insert: Runnable
  markRetried: Runnable
  pruneAge: Runnable
  pruneRows: Runnable
}

/**
 * Writes one job with the given statements (the caller wraps it in a transaction); returns how
 * many rows the retention limits removed. Its source text is sent to the writer thread as is
 * (write-worker.ts), so it must stay self-contained: no imports, no outer names, plain syntax.
 */
export function applyJob(s: JobStatements, job: WriteJob): number {
  for (const row of job.rows) {
    s.insert.run(row)
    // A cloud retry marks the local answer it re-asked; that row was written before this one.
    if (row.retry_of) s.markRetried.run(row.id, row.ts, row.retry_of)
  }
  let removed = 0
  if (job.prune && job.prune.before !== null) removed += s.pruneAge.run(job.prune.before).changes
  if (job.prune && job.prune.keep !== null) removed += s.pruneRows.run(job.prune.keep).changes
  return removed
}
