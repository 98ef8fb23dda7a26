import { readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { writeJsonAtomic } from '../atomic-file'
import { z } from 'zod'
import { ModelPrice } from '../../../shared/endpoints'
import { Budget, type BudgetAction, type CostSummary } from '../../../shared/health'

const CostFile = z.object({
  version: z.literal(1),
  budget: Budget.partial().default({}),
  prices: z.record(z.string(), ModelPrice).default({}),
  /** Spend per local calendar day, "YYYY-MM-DD" → USD. */
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().min(0)).default({}),
})
type CostFile = z.infer<typeof CostFile>

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
  /** Folder for cost.json; null keeps everything in memory (tests, bench). */
  dataDir: string | null
  env?: NodeJS.ProcessEnv
  now?: () => number
  log?: (line: string) => void
}

/**
 * Spend per day (for daily and monthly caps), the budget and the user's price table, kept in
 * <data folder>/cost.json. Writes are batched and atomic (temp file + rename); a corrupt file
 * is reported and set aside, never crashes the engine.
 * Budget from the file; when the file has none, from ROUTELLM_BUDGET_DAILY_USD,
 * ROUTELLM_BUDGET_MONTHLY_USD and ROUTELLM_BUDGET_ACTION (route-local | refuse).
 */
export class CostStore {
  private data: CostFile = { version: 1, budget: {}, prices: {}, days: {} }
  private readonly file: string | null
  private readonly now: () => number
  private readonly envBudget: Budget
  private saveTimer: NodeJS.Timeout | undefined
  private readonly listeners = new Set<() => void>()

  constructor(private readonly options: CostStoreOptions) {
    const env = options.env ?? {}
    this.now = options.now ?? Date.now
    this.file = options.dataDir ? join(options.dataDir, 'cost.json') : null
    const action = env.ROUTELLM_BUDGET_ACTION === 'refuse' ? 'refuse' : 'route-local'
    this.envBudget = {
      dailyUsd: envNumber(env.ROUTELLM_BUDGET_DAILY_USD),
      monthlyUsd: envNumber(env.ROUTELLM_BUDGET_MONTHLY_USD),
      action,
    }
    this.load()
  }

  private load(): void {
    if (!this.file) return
    let raw: string
    try {
      raw = readFileSync(this.file, 'utf8')
    } catch {
      return // first run
    }
    const parsed = (() => {
      try {
        return CostFile.safeParse(JSON.parse(raw))
      } catch {
        return null
      }
    })()
    if (parsed?.success) {
      this.data = parsed.data
      return
    }
    const aside = `${this.file}.bad-${Date.now()}`
    try {
      renameSync(this.file, aside)
    } catch {
      // leave it
    }
    this.options.log?.(`cost.json is not valid (${parsed ? parsed.error.issues[0]?.message : 'not JSON'}); moved to ${aside}, starting with an empty ledger`)
  }

  get budget(): Budget {
    const b = this.data.budget
    return {
      dailyUsd: b.dailyUsd !== undefined ? b.dailyUsd : this.envBudget.dailyUsd,
      monthlyUsd: b.monthlyUsd !== undefined ? b.monthlyUsd : this.envBudget.monthlyUsd,
      action: b.action ?? this.envBudget.action,
    }
  }

  get prices(): Readonly<Record<string, ModelPrice>> {
    return this.data.prices
  }

  setBudget(update: Partial<Budget>): void {
    this.data.budget = { ...this.data.budget, ...update }
    this.scheduleSave(true)
    this.emit()
  }

  /** Set (or with null remove) a price; key "model" or "endpoint/model". */
  setPrice(key: string, price: ModelPrice | null): void {
    if (price) this.data.prices[key] = price
    else delete this.data.prices[key]
    this.scheduleSave(true)
    this.emit()
  }

  record(usd: number): void {
    if (!(usd > 0)) return
    const key = dayKey(this.now())
    this.data.days[key] = (this.data.days[key] ?? 0) + usd
    this.scheduleSave(false)
    this.emit()
  }

  spentToday(): number {
    return this.data.days[dayKey(this.now())] ?? 0
  }

  spentThisMonth(): number {
    const month = dayKey(this.now()).slice(0, 7)
    let total = 0
    for (const [day, usd] of Object.entries(this.data.days)) if (day.startsWith(month)) total += usd
    return total
  }

  /** The cap reached, if any: cloud-bound prompts then go local or are refused, per the budget's action. */
  breach(): BudgetBreach | null {
    const { dailyUsd, monthlyUsd, action } = this.budget
    const usd = (n: number) => `$${n > 0 && n < 0.1 ? n.toFixed(4) : n.toFixed(2)}`
    const then = action === 'refuse' ? 'cloud requests are refused' : 'prompts go to your local model'
    const today = this.spentToday()
    if (dailyUsd !== null && today >= dailyUsd) {
      const short = `daily budget of ${usd(dailyUsd)} reached (${usd(today)} spent today)`
      return { cap: 'daily', limitUsd: dailyUsd, spentUsd: today, action, short, message: `Daily budget of ${usd(dailyUsd)} reached (${usd(today)} spent today): ${then} until tomorrow. Raise the cap in the budget settings to continue.` }
    }
    const month = this.spentThisMonth()
    if (monthlyUsd !== null && month >= monthlyUsd) {
      const short = `monthly budget of ${usd(monthlyUsd)} reached (${usd(month)} spent this month)`
      return { cap: 'monthly', limitUsd: monthlyUsd, spentUsd: month, action, short, message: `Monthly budget of ${usd(monthlyUsd)} reached (${usd(month)} spent this month): ${then} until next month. Raise the cap in the budget settings to continue.` }
    }
    return null
  }

  summary(): CostSummary {
    return {
      todayUsd: this.spentToday(),
      monthUsd: this.spentThisMonth(),
      budget: this.budget,
      exceeded: this.breach()?.cap ?? null,
      prices: { ...this.data.prices },
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

  private scheduleSave(now: boolean): void {
    if (!this.file) return
    if (now) {
      this.flush()
      return
    }
    this.saveTimer ??= setTimeout(() => this.flush(), 1000).unref()
  }

  /** Write pending changes now (also on shutdown). */
  flush(): void {
    clearTimeout(this.saveTimer)
    this.saveTimer = undefined
    if (!this.file) return
    const cutoff = dayKey(this.now() - KEEP_DAYS * 86_400_000)
    for (const day of Object.keys(this.data.days)) if (day < cutoff) delete this.data.days[day]
    try {
      writeJsonAtomic(this.file, this.data)
    } catch (error) {
      this.options.log?.(`could not save cost.json: ${(error as Error).message}`)
    }
  }
}
