import type Database from 'better-sqlite3'
import { z } from 'zod'
import { ModelPrice } from '../../../shared/endpoints'
import { Budget, type BudgetAction, type CostSummary } from '../../../shared/health'
import { GuardedJsonFile, type FileProblem } from '../state/guarded-file'
import { DEFAULT_SYNC_MS, importOnce, openStateDb } from '../state/state-db'
import { SpendLedger } from './spend-ledger'
import { errorMessage } from '../../../shared/errors'

export const COST_FILE = 'cost.json'

const CostFile = z.object({
  version: z.literal(1),
  budget: Budget.partial().default({}),
  prices: z.record(z.string(), ModelPrice).default({}),
  /** Spend per local calendar day, "YYYY-MM-DD" → USD: written by older versions, imported once into state.db. */
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().min(0)).optional(),
})
type CostFile = z.infer<typeof CostFile>

const EMPTY: CostFile = { version: 1, budget: {}, prices: {} }
/** A damaged cost.json with no good copy: every cloud request is refused until the user fixes it. */
const FAIL_CLOSED: CostFile = { version: 1, budget: { dailyUsd: 0, monthlyUsd: 0, action: 'refuse' }, prices: {} }

/** cost.json as the store reads it; reading (the constructor) changes nothing, so `doctor` uses it too. */
export function costFileOf(dataDir: string | null, log?: (line: string) => void): GuardedJsonFile<typeof CostFile> {
  return new GuardedJsonFile({
    dataDir,
    name: COST_FILE,
    schema: CostFile,
    missing: EMPTY,
    failClosed: FAIL_CLOSED,
    failClosedText: 'every cloud request is refused',
    ...(log ? { log } : {}),
  })
}

const KEEP_DAYS = 400

function dayKey(t: number): string {
  const d = new Date(t)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function envNumber(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null
  const n = Number(value)
  return Number.isFinite(n) && n >= 0 ? n : null
}

export interface BudgetBreach {
  cap: 'daily' | 'monthly'
  limitUsd: number
  spentUsd: number
  action: BudgetAction
  /** For a person: what happened and what to do. */
  message: string
  /** A clause: "daily budget of $5.00 reached ($5.12 spent today)". */
  short: string
}

export interface CostStoreOptions {
  /** Folder for cost.json and state.db; null keeps everything in memory (tests, bench). */
  dataDir: string | null
  /** Write spend behind and re-read other processes' spend this often (default 1 s). */
  syncMs?: number
  env?: NodeJS.ProcessEnv
  now?: () => number
  log?: (line: string) => void
}

/**
 * Spend per day (for daily and monthly caps), the budget and the user's price table.
 * The budget and prices are settings (cost.json, written atomically with a .bak on each
 * change, re-read when another process changes them); spend lives in state.db, shared by
 * every process on the data folder, added in memory on the request path and written behind
 * once per sync interval. A damaged cost.json never drops a cap: its .bak is used, or with
 * none every cloud request is refused, and `problem` says so until it is fixed.
 * Budget from the file; when the file has none, from ROUTELLM_BUDGET_DAILY_USD,
 * ROUTELLM_BUDGET_MONTHLY_USD and ROUTELLM_BUDGET_ACTION (route-local | refuse).
 */
export class CostStore {
  private readonly file: GuardedJsonFile<typeof CostFile>
  private readonly ledger: SpendLedger
  private readonly db: Database.Database | null
  private readonly now: () => number
  private readonly envBudget: Budget
  private timer: NodeJS.Timeout | undefined
  private syncFailures = 0
  private closed = false
  private readonly listeners = new Set<() => void>()

  constructor(private readonly options: CostStoreOptions) {
    const env = options.env ?? {}
    this.now = options.now ?? Date.now
    const action = env.ROUTELLM_BUDGET_ACTION === 'refuse' ? 'refuse' : 'route-local'
    this.envBudget = {
      dailyUsd: envNumber(env.ROUTELLM_BUDGET_DAILY_USD),
      monthlyUsd: envNumber(env.ROUTELLM_BUDGET_MONTHLY_USD),
      action,
    }
    this.file = costFileOf(options.dataDir, options.log)
    this.db = this.openDb()
    this.ledger = new SpendLedger(this.db)
    this.importLegacyDays()
    if (this.db) this.timer = setInterval(() => void this.sync(), options.syncMs ?? DEFAULT_SYNC_MS).unref()
  }

  private openDb(): Database.Database | null {
    if (!this.options.dataDir) return null
    try {
      return openStateDb(this.options.dataDir)
    } catch (error) {
      this.options.log?.(`state.db cannot be opened (${errorMessage(error)}); spend is counted in memory for this session only`)
      return null
    }
  }

  /** Older versions kept spend in cost.json: move it into state.db once, then drop it from the file. */
  private importLegacyDays(): void {
    const days = this.file.value.days
    if (!this.db || !days || this.file.source !== 'file') return
    try {
      importOnce(this.db, COST_FILE, () => this.ledger.importDays(days))
      this.ledger.sync(this.cutoff())
      const { days: _dropped, ...rest } = this.file.value
      this.file.save(rest)
    } catch (error) {
      this.options.log?.(`could not move the spend in cost.json into state.db: ${errorMessage(error)}`)
    }
  }

  /** The damaged cost.json, if it is; null when it is fine. */
  get problem(): FileProblem | null {
    return this.file.problem
  }

  get budget(): Budget {
    const b = this.file.value.budget
    return {
      dailyUsd: b.dailyUsd !== undefined ? b.dailyUsd : this.envBudget.dailyUsd,
      monthlyUsd: b.monthlyUsd !== undefined ? b.monthlyUsd : this.envBudget.monthlyUsd,
      action: b.action ?? this.envBudget.action,
    }
  }

  get prices(): Readonly<Record<string, ModelPrice>> {
    return this.file.value.prices
  }

  setBudget(update: Partial<Budget>): void {
    this.save((data) => ({ ...data, budget: { ...data.budget, ...update } }))
  }

  /** Set (or with null remove) a price; key "model" or "endpoint/model". */
  setPrice(key: string, price: ModelPrice | null): void {
    this.save((data) => {
      const prices = { ...data.prices }
      if (price) prices[key] = price
      else delete prices[key]
      return { ...data, prices }
    })
  }

  /** A user's change: applied to the file as it is now on disk (another process may have changed it), written at once. */
  private save(change: (data: CostFile) => CostFile): void {
    this.file.update(change)
    this.emit()
  }

  record(usd: number): void {
    if (!(usd > 0)) return
    this.ledger.add(dayKey(this.now()), usd)
    this.emit()
  }

  spentToday(): number {
    return this.ledger.get(dayKey(this.now()))
  }

  spentThisMonth(): number {
    return this.ledger.month(dayKey(this.now()).slice(0, 7))
  }

  /** The cap reached, if any: cloud-bound prompts then go local or are refused, per the budget's action. */
  breach(): BudgetBreach | null {
    const problem = this.file.source === 'fail-closed' ? this.file.problem : null
    if (problem) {
      return { cap: 'daily', limitUsd: 0, spentUsd: this.spentToday(), action: 'refuse', short: `${COST_FILE} is damaged`, message: problem.message }
    }
    const { dailyUsd, monthlyUsd, action } = this.budget
    // Asked several times per request (every cloud arm's check): with no cap there is nothing to add up.
    if (dailyUsd === null && monthlyUsd === null) return null
    const usd = (n: number) => `$${n > 0 && n < 0.1 ? n.toFixed(4) : n.toFixed(2)}`
    const then = action === 'refuse' ? 'cloud requests are refused' : 'prompts go to your local model'
    const today = dailyUsd === null ? 0 : this.spentToday()
    if (dailyUsd !== null && today >= dailyUsd) {
      const short = `daily budget of ${usd(dailyUsd)} reached (${usd(today)} spent today)`
      return {
        cap: 'daily',
        limitUsd: dailyUsd,
        spentUsd: today,
        action,
        short,
        message: `Daily budget of ${usd(dailyUsd)} reached (${usd(today)} spent today): ${then} until tomorrow. Raise the cap in the budget settings to continue.`,
      }
    }
    const month = monthlyUsd === null ? 0 : this.spentThisMonth()
    if (monthlyUsd !== null && month >= monthlyUsd) {
      const short = `monthly budget of ${usd(monthlyUsd)} reached (${usd(month)} spent this month)`
      return {
        cap: 'monthly',
        limitUsd: monthlyUsd,
        spentUsd: month,
        action,
        short,
        message: `Monthly budget of ${usd(monthlyUsd)} reached (${usd(month)} spent this month): ${then} until next month. Raise the cap in the budget settings to continue.`,
      }
    }
    return null
  }

  summary(): CostSummary {
    return {
      todayUsd: this.spentToday(),
      monthUsd: this.spentThisMonth(),
      budget: this.budget,
      exceeded: this.breach()?.cap ?? null,
      prices: { ...this.file.value.prices },
    }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l()
      } catch {
        // isolated
      }
    }
  }

  private cutoff(): string {
    return dayKey(this.now() - KEEP_DAYS * 86_400_000)
  }

  /**
   * Write this process's spend behind and see other processes' spend and budget changes.
   * Runs every sync interval and on shutdown, never per request.
   */
  async sync(): Promise<void> {
    let changed = await this.file.refresh().catch(() => false)
    if (this.closed) return
    try {
      changed = this.ledger.sync(this.cutoff()) || changed
      this.syncFailures = 0
    } catch (error) {
      // The first failure, then every 100th: a full disk must not flood the log.
      if (this.syncFailures++ % 100 === 0) this.options.log?.(`could not save spend to state.db (kept in memory, retried): ${errorMessage(error)}`)
    }
    if (changed) this.emit()
  }

  /** Write pending spend now (shutdown). */
  flush(): void {
    if (this.closed) return
    try {
      this.ledger.sync(this.cutoff())
    } catch (error) {
      this.options.log?.(`could not save spend to state.db: ${errorMessage(error)}`)
    }
  }

  close(): void {
    if (this.closed) return
    clearInterval(this.timer)
    this.timer = undefined
    this.flush()
    this.closed = true
    this.db?.close()
  }
}
