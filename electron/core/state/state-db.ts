import Database from 'better-sqlite3'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'

export const STATE_DB = 'state.db'

/**
 * How often learned state (spend, bandit statistics) is written behind and re-read, unless
 * ROUTELLM_STATE_SYNC_MS says otherwise. A kill -9 loses at most this much of it; another
 * process on the same data folder sees a change within about this long.
 */
export const DEFAULT_SYNC_MS = 1000

export function syncIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const n = Number(env.ROUTELLM_STATE_SYNC_MS)
  return Number.isInteger(n) && n >= 50 && n <= 60_000 ? n : DEFAULT_SYNC_MS
}

/**
 * <data folder>/state.db: the learned state every process on one data folder shares (the
 * desktop app, `serve`, CLI one-shots): spend, bandit statistics, and the circuits opened
 * for dead endpoints. Rows only ever change by deltas
 * (`SET usd = usd + ?`), so two processes adding at once both count. WAL with
 * synchronous=NORMAL: a commit never waits for fsync (the WAL is synced at checkpoints), and
 * a crash loses at most the last commits, never the file.
 */
export function openStateDb(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, STATE_DB)
  // Owner-only from the first byte; SQLite gives the -wal and -shm files the same mode.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
  // A busy writer holds the lock for a few rows at most; wait for it rather than fail.
  const db = new Database(file, { timeout: 2000 })
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(`
      CREATE TABLE IF NOT EXISTS spend (day TEXT PRIMARY KEY, usd REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS arms (
        endpoint TEXT NOT NULL, model TEXT NOT NULL,
        pulls INTEGER NOT NULL, successes INTEGER NOT NULL, reward_sum REAL NOT NULL,
        latency_ms_sum REAL NOT NULL, cost_usd_sum REAL NOT NULL,
        feedback_up INTEGER NOT NULL, feedback_down INTEGER NOT NULL, last_at TEXT,
        PRIMARY KEY (endpoint, model)
      );
      CREATE TABLE IF NOT EXISTS imported (file TEXT PRIMARY KEY, at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS breaker_openings (
        endpoint TEXT NOT NULL, base_url TEXT NOT NULL,
        open_until INTEGER NOT NULL, reason TEXT NOT NULL, opened_at INTEGER NOT NULL, owner TEXT NOT NULL,
        PRIMARY KEY (endpoint, base_url)
      );
    `)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Import a legacy JSON file (cost.json's days, bandit.json) once per data folder: the
 * `imported` row and the rows it brings commit together, so two processes starting at once
 * never count it twice. Returns false when it was imported before.
 */
export function importOnce(db: Database.Database, file: string, load: () => void): boolean {
  return db
    .transaction(() => {
      if (db.prepare('SELECT 1 FROM imported WHERE file = ?').get(file)) return false
      load()
      db.prepare('INSERT INTO imported (file, at) VALUES (?, ?)').run(file, new Date().toISOString())
      return true
    })
    .immediate()
}
