import type Database from 'better-sqlite3'

/**
 * Spend per local calendar day, shared through state.db by every process on the data
 * folder. `add` only touches memory (the request path); `sync` writes what this process
 * added since the last sync as deltas in one transaction and re-reads everyone's totals.
 * Without a database (tests, bench) it is a plain in-memory ledger.
 */
export class SpendLedger {
  private base = new Map<string, number>()
  private pending = new Map<string, number>()
  /** Running total per month ("2026-12"), kept with every add and re-read: a cap check sums nothing. */
  private months = new Map<string, number>()
  private readonly statements

  constructor(db: Database.Database | null) {
    this.statements = db
      ? {
          db,
          add: db.prepare<[string, number]>('INSERT INTO spend (day, usd) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET usd = usd + excluded.usd'),
          all: db.prepare<[], { day: string; usd: number }>('SELECT day, usd FROM spend'),
          prune: db.prepare<[string]>('DELETE FROM spend WHERE day < ?'),
        }
      : null
    this.reread()
  }

  add(day: string, usd: number): void {
    bump(this.pending, day, usd)
    bump(this.months, day.slice(0, 7), usd)
  }

  get(day: string): number {
    return (this.base.get(day) ?? 0) + (this.pending.get(day) ?? 0)
  }

  /** Total of one month ("2026-12"). */
  month(month: string): number {
    return this.months.get(month) ?? 0
  }

  /** Import days from a legacy file (inside the caller's transaction). */
  importDays(days: Record<string, number>): void {
    if (!this.statements) return
    for (const [day, usd] of Object.entries(days)) if (usd > 0) this.statements.add.run(day, usd)
  }

  /**
   * Write pending deltas, drop days before `cutoff`, re-read all totals. True when a total
   * changed (another process spent). Throws when the database refuses; the deltas are then
   * kept for the next try.
   */
  sync(cutoff: string): boolean {
    const s = this.statements
    if (!s) return false
    const writing = this.pending
    this.pending = new Map()
    try {
      s.db.transaction(() => {
        for (const [day, usd] of writing) s.add.run(day, usd)
        s.prune.run(cutoff)
      })()
    } catch (error) {
      // Kept for the next try; the month totals still hold them.
      for (const [day, usd] of writing) bump(this.pending, day, usd)
      throw error
    }
    // What this process expects to read back; anything else is another process's spend.
    const expected = new Map(this.base)
    for (const [day, usd] of writing) expected.set(day, (expected.get(day) ?? 0) + usd)
    this.reread()
    if (expected.size !== this.base.size) return true
    for (const [day, usd] of this.base) if (Math.abs((expected.get(day) ?? 0) - usd) > 1e-12) return true
    return false
  }

  private reread(): void {
    if (!this.statements) return
    this.base = new Map(this.statements.all.all().map((r) => [r.day, r.usd]))
    this.months = new Map()
    for (const days of [this.base, this.pending]) for (const [day, usd] of days) bump(this.months, day.slice(0, 7), usd)
  }
}

function bump(totals: Map<string, number>, key: string, usd: number): void {
  totals.set(key, (totals.get(key) ?? 0) + usd)
}
