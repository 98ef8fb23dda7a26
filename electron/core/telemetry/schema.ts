import type Database from 'better-sqlite3'

/**
 * The telemetry database's schema, as an ordered list of migrations. `PRAGMA user_version`
 * holds how many have run; each one runs in its own transaction together with the version
 * bump, so a crash mid-migration leaves the previous version intact. Append, never edit.
 *
 * PRIVACY: no column holds text a person wrote or read — no prompt, no answer, no decision
 * explanation, no pillar reason or detail, no upstream error message. Only ids, enums,
 * endpoint ids / model names from the user's own configuration, and numbers.
 */
export interface Migration {
  version: number
  description: string
  up(db: Database.Database): void
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'requests: one row per generation',
    up(db) {
      db.exec(`
        CREATE TABLE requests (
          id            TEXT PRIMARY KEY,                 -- chat request id
          ts            INTEGER NOT NULL,                 -- epoch ms, when the generation ended
          decision_id   TEXT NOT NULL,
          tier          TEXT NOT NULL CHECK (tier IN ('local', 'cloud')),  -- as decided (after health overrides)
          pinned        TEXT,
          complexity    REAL NOT NULL,
          threshold     REAL NOT NULL,
          pillars       TEXT NOT NULL,                    -- JSON [{pillar, status, score}]: never reasons
          served_tier   TEXT CHECK (served_tier IN ('local', 'cloud')),
          endpoint      TEXT,
          model         TEXT,
          hops          INTEGER NOT NULL DEFAULT 0,
          hop_errors    TEXT NOT NULL DEFAULT '[]',      -- JSON [error class]: never messages
          outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'aborted')),
          error_class   TEXT,
          ttft_ms       REAL,
          total_ms      REAL NOT NULL,
          input_tokens  INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          cost_usd      REAL NOT NULL,
          feedback      TEXT CHECK (feedback IN ('up', 'down')),
          feedback_ts   INTEGER
        );
        CREATE INDEX requests_ts ON requests (ts);
        -- Percentiles over everything kept walk these instead of sorting (an ok answer always has served_tier).
        CREATE INDEX requests_ok_total ON requests (served_tier, total_ms) WHERE outcome = 'ok';
        CREATE INDEX requests_ok_ttft ON requests (served_tier, ttft_ms) WHERE outcome = 'ok' AND ttft_ms IS NOT NULL;
      `)
    },
  },
  {
    version: 2,
    description: 'outcome signals: nearest cluster, cloud retries (pillar confidences live in the pillars JSON)',
    up(db) {
      // ADD COLUMN keeps every existing row (the new columns read as NULL): safe on a file in use.
      db.exec(`
        ALTER TABLE requests ADD COLUMN cluster    TEXT;     -- the semantic pillar's nearest cluster id (from the user's config)
        ALTER TABLE requests ADD COLUMN retry_of   TEXT;     -- this answer re-asked that (local) request in the cloud
        ALTER TABLE requests ADD COLUMN retried_by TEXT;     -- a cloud retry of this answer: it counts as failed
        ALTER TABLE requests ADD COLUMN retried_ts INTEGER;
      `)
    },
  },
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** Thrown when the file was written by a newer RouteLLM: it is kept, never downgraded in place. */
export class NewerSchemaError extends Error {
  override name = 'NewerSchemaError'
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`schema version ${found} is newer than this RouteLLM supports (${supported})`)
  }
}

/** Brings the database to the last migration's version; returns the versions applied. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const target = migrations.length === 0 ? 0 : Math.max(...migrations.map((m) => m.version))
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > target) throw new NewerSchemaError(current, target)
  const applied: number[] = []
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue
    db.transaction(() => {
      migration.up(db)
      // PRAGMA takes no bound parameters; the version is an integer from this file.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`)
    })()
    applied.push(migration.version)
  }
  return applied
}
