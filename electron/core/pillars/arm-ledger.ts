import type Database from 'better-sqlite3'
import type { ArmStats } from './bandit'

type Counters = Omit<ArmStats, 'endpoint' | 'model' | 'lastAt'>
const COUNTERS: ReadonlyArray<keyof Counters> = ['pulls', 'successes', 'rewardSum', 'latencyMsSum', 'costUsdSum', 'feedbackUp', 'feedbackDown']

interface Row {
  endpoint: string
  model: string
  pulls: number
  successes: number
  reward_sum: number
  latency_ms_sum: number
  cost_usd_sum: number
  feedback_up: number
  feedback_down: number
  last_at: string | null
}

const keyOf = (arm: { endpoint: string; model: string }) => `${arm.endpoint}\n${arm.model}`

/** The statistics of an arm that was never pulled. */
export function emptyArmStats(arm: { endpoint: string; model: string }): ArmStats {
  return {
    endpoint: arm.endpoint,
    model: arm.model,
    pulls: 0,
    successes: 0,
    rewardSum: 0,
    latencyMsSum: 0,
    costUsdSum: 0,
    feedbackUp: 0,
    feedbackDown: 0,
    lastAt: null,
  }
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b)

/**
 * The bandit's statistics per arm, shared through state.db by every process on the data
 * folder. `add` only touches memory (the request path); `sync` writes this process's deltas
 * since the last sync in one transaction (`pulls = pulls + ?`, so no process overwrites
 * another's pulls) and re-reads everyone's totals. Without a database it is in memory only.
 */
export class ArmLedger {
  private base = new Map<string, ArmStats>()
  private pending = new Map<string, ArmStats>()
  private readonly statements

  constructor(db: Database.Database | null) {
    this.statements = db
      ? {
          db,
          add: db.prepare<[Row]>(`
            INSERT INTO arms (endpoint, model, pulls, successes, reward_sum, latency_ms_sum, cost_usd_sum, feedback_up, feedback_down, last_at)
            VALUES (@endpoint, @model, @pulls, @successes, @reward_sum, @latency_ms_sum, @cost_usd_sum, @feedback_up, @feedback_down, @last_at)
            ON CONFLICT (endpoint, model) DO UPDATE SET
              pulls = pulls + excluded.pulls, successes = successes + excluded.successes,
              reward_sum = reward_sum + excluded.reward_sum, latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
              cost_usd_sum = cost_usd_sum + excluded.cost_usd_sum, feedback_up = feedback_up + excluded.feedback_up,
              feedback_down = feedback_down + excluded.feedback_down,
              last_at = CASE WHEN last_at IS NULL OR excluded.last_at > last_at THEN excluded.last_at ELSE last_at END`),
          all: db.prepare<[], Row>('SELECT * FROM arms'),
        }
      : null
    this.reread()
  }

  /** The arm's statistics as this process knows them: everyone's as of the last sync, plus its own since. */
  get(arm: { endpoint: string; model: string }): ArmStats | undefined {
    const key = keyOf(arm)
    const base = this.base.get(key)
    const mine = this.pending.get(key)
    if (!mine) return base
    if (!base) return mine
    const merged = { ...base }
    for (const c of COUNTERS) merged[c] = base[c] + mine[c]
    merged.lastAt = later(base.lastAt, mine.lastAt)
    return merged
  }

  all(): ArmStats[] {
    const keys = new Set([...this.base.keys(), ...this.pending.keys()])
    return [...keys].map((key) => ({ ...this.get(this.base.get(key) ?? this.pending.get(key)!)! }))
  }

  /** Add to an arm's counters (in memory until the next sync). */
  add(arm: { endpoint: string; model: string }, delta: Partial<Counters>, at: string | null): void {
    const key = keyOf(arm)
    let mine = this.pending.get(key)
    if (!mine) {
      mine = emptyArmStats(arm)
      this.pending.set(key, mine)
    }
    for (const c of COUNTERS) mine[c] += delta[c] ?? 0
    mine.lastAt = later(mine.lastAt, at)
  }

  /** Import arms from a legacy bandit.json (inside the caller's transaction). */
  importArms(arms: readonly ArmStats[]): void {
    for (const a of arms) this.statements?.add.run(toRow(a))
  }

  /** Write pending deltas, then re-read everyone's totals. Throws when the database refuses; the deltas are kept. */
  sync(): void {
    const s = this.statements
    if (!s) return
    const writing = this.pending
    this.pending = new Map()
    try {
      s.db.transaction(() => {
        for (const delta of writing.values()) s.add.run(toRow(delta))
      })()
    } catch (error) {
      for (const delta of writing.values()) this.add(delta, delta, delta.lastAt)
      throw error
    }
    this.reread()
  }

  private reread(): void {
    if (!this.statements) return
    this.base = new Map(
      this.statements.all.all().map((r) => [
        keyOf(r),
        {
          endpoint: r.endpoint,
          model: r.model,
          pulls: r.pulls,
          successes: r.successes,
          rewardSum: r.reward_sum,
          latencyMsSum: r.latency_ms_sum,
          costUsdSum: r.cost_usd_sum,
          feedbackUp: r.feedback_up,
          feedbackDown: r.feedback_down,
          lastAt: r.last_at,
        },
      ]),
    )
  }
}

function toRow(s: ArmStats): Row {
  return {
    endpoint: s.endpoint,
    model: s.model,
    pulls: s.pulls,
    successes: s.successes,
    reward_sum: s.rewardSum,
    latency_ms_sum: s.latencyMsSum,
    cost_usd_sum: s.costUsdSum,
    feedback_up: s.feedbackUp,
    feedback_down: s.feedbackDown,
    last_at: s.lastAt,
  }
}
