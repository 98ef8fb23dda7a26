import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { migrate, NewerSchemaError, type Migration } from './schema'

/**
 * Opening the telemetry database so that the app always starts: a file that is not a
 * database, fails its quick check or was written by a newer RouteLLM is moved aside to
 * telemetry.db.corrupt-<epoch ms> (or .newer-<epoch ms>) and a fresh one is created, with a
 * warning; when no file can be opened at all, telemetry is kept in memory for the session.
 */

class QuickCheckError extends Error {
  override name = 'QuickCheckError'
}

/** Errors that mean the file itself is bad (set it aside), as opposed to a locked or read-only one. */
export function asideKind(error: unknown): 'corrupt' | 'newer' | null {
  if (error instanceof NewerSchemaError) return 'newer'
  if (error instanceof QuickCheckError) return 'corrupt'
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))) return 'corrupt'
  return null
}

/** The first line of an error message: SQLite appends detail lines the log does not need. */
export const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0]

/**
 * Settings each connection to a telemetry file applies (they are not stored in the file): a
 * commit waits for the WAL write but not for its fsync, so a power cut may lose the last rows
 * and never corrupts the file. The writer thread's connection applies them too.
 */
export const CONNECTION_PRAGMAS = ['synchronous = NORMAL'] as const

export interface OpenOptions {
  migrations: readonly Migration[]
  now: () => number
  log: (line: string) => void
}

export interface OpenedDb {
  db: Database.Database
  /** The file in use; null when telemetry fell back to memory. */
  file: string | null
}

/**
 * Opens `file` (null: memory only), setting a bad file aside once and starting afresh; falls
 * back to memory when the file cannot be used. Null when not even memory works.
 */
export function openTelemetryDb(file: string | null, o: OpenOptions): OpenedDb | null {
  if (file) {
    try {
      return { db: openFile(file, o.migrations), file }
    } catch (error) {
      let last = error
      const kind = asideKind(error)
      if (kind) {
        const aside = moveAside(file, kind, o)
        if (aside) {
          o.log(`telemetry: ${file} is unusable (${firstLine(error)}); moved it aside to ${aside} and started a fresh one`)
          try {
            return { db: openFile(file, o.migrations), file }
          } catch (again) {
            last = again
          }
        }
      }
      o.log(`telemetry: cannot open ${file} (${firstLine(last)}); keeping telemetry in memory for this session`)
    }
  }
  try {
    return { db: openMemory(o.migrations), file: null }
  } catch (error) {
    // Last resort: every call becomes a no-op; the app still starts.
    o.log(`telemetry: cannot create even an in-memory database (${firstLine(error)}); telemetry is off for this session`)
    return null
  }
}

function openFile(file: string, migrations: readonly Migration[]): Database.Database {
  mkdirSync(join(file, '..'), { recursive: true })
  // Owner-only from the first byte; SQLite gives the -wal and -shm files the same mode.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
  let db: Database.Database | null = null
  try {
    db = new Database(file, { timeout: 500 })
    db.pragma('journal_mode = WAL')
    for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma)
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new QuickCheckError(`quick_check: ${String(check)}`)
    migrate(db, migrations)
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

function openMemory(migrations: readonly Migration[]): Database.Database {
  const db = new Database(':memory:')
  migrate(db, migrations)
  return db
}

/** Rename the file and its WAL out of the way (a stale WAL must never meet a fresh file). */
function moveAside(file: string, kind: 'corrupt' | 'newer', o: OpenOptions): string | null {
  const aside = `${file}.${kind}-${o.now()}`
  try {
    renameSync(file, aside)
  } catch (error) {
    o.log(`telemetry: cannot move ${file} aside: ${firstLine(error)}`)
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
