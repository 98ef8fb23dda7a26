import type Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'

/** An open circuit of one endpoint (its id and address), on the shared wall clock. */
export interface SharedOpening {
  endpoint: string
  baseURL: string
  openUntil: number
  reason: string
}

interface Row {
  endpoint: string
  base_url: string
  open_until: number
  reason: string
  opened_at: number
  owner: string
}

const keyOf = (o: { endpoint: string; baseURL: string }) => `${o.endpoint}\n${o.baseURL}`

/**
 * The circuits opened for dead endpoints, shared through state.db by every process on the
 * data folder, so the desktop app, `serve` and a CLI run do not each learn the same outage by
 * failing. `record` only touches memory (the request path); `sync`, on the state timer, writes
 * this process's openings (the longest one per endpoint wins) and returns the openings other
 * processes wrote since the last sync that still hold. A closing is not shared: each process
 * finds the endpoint back with its own probe once the cooldown is over, so a process never
 * trusts an endpoint on another's word. Without a database it shares nothing.
 */
export class BreakerShare {
  private pending = new Map<string, Row>()
  /** Per endpoint, when the last opening this process wrote or adopted began. */
  private readonly seen = new Map<string, number>()
  private readonly owner = `${process.pid}-${randomBytes(4).toString('hex')}`
  private readonly statements

  constructor(db: Database.Database | null) {
    this.statements = db
      ? {
          db,
          write: db.prepare<[Row]>(`
            INSERT INTO breaker_openings (endpoint, base_url, open_until, reason, opened_at, owner)
            VALUES (@endpoint, @base_url, @open_until, @reason, @opened_at, @owner)
            ON CONFLICT (endpoint, base_url) DO UPDATE SET
              open_until = excluded.open_until, reason = excluded.reason, opened_at = excluded.opened_at, owner = excluded.owner
            WHERE excluded.open_until > breaker_openings.open_until`),
          prune: db.prepare<[number]>('DELETE FROM breaker_openings WHERE open_until <= ?'),
          live: db.prepare<[], Row>('SELECT * FROM breaker_openings'),
        }
      : null
  }

  /** This process opened a circuit at `at` (in memory until the next sync). */
  record(opening: SharedOpening, at: number): void {
    const key = keyOf(opening)
    this.pending.set(key, {
      endpoint: opening.endpoint,
      base_url: opening.baseURL,
      open_until: opening.openUntil,
      reason: opening.reason,
      opened_at: at,
      owner: this.owner,
    })
    this.seen.set(key, at)
  }

  /**
   * Write this process's openings, drop the ones over by `now`, and return the other
   * processes' openings not seen before (one that does not `apply` here yet, say an endpoint
   * this process has not configured, is offered again at the next sync). Throws when the database refuses; the openings are
   * then kept for the next try.
   */
  sync(now: number, applies: (opening: SharedOpening) => boolean = () => true): SharedOpening[] {
    const s = this.statements
    if (!s) return []
    const writing = this.pending
    this.pending = new Map()
    let rows: Row[]
    try {
      rows = s.db.transaction(() => {
        for (const row of writing.values()) s.write.run(row)
        s.prune.run(now)
        return s.live.all()
      })()
    } catch (error) {
      for (const [key, row] of writing) if (!this.pending.has(key)) this.pending.set(key, row)
      throw error
    }
    const fresh: SharedOpening[] = []
    for (const row of rows) {
      const opening = { endpoint: row.endpoint, baseURL: row.base_url, openUntil: row.open_until, reason: row.reason }
      const key = keyOf(opening)
      if (row.owner === this.owner || row.opened_at <= (this.seen.get(key) ?? -Infinity) || !applies(opening)) continue
      this.seen.set(key, row.opened_at)
      fresh.push(opening)
    }
    return fresh
  }
}
