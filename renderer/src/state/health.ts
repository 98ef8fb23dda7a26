import { Budget, type EndpointState, type EndpointStatus, type EndpointsReport, type NetworkStatus } from '../../../shared/health'
import type { ErrorReport } from '../client/errors'

/**
 * The ENDPOINTS · HEALTH and COST panels' pure helpers: countdowns, percentages, dollars, the
 * budget form check, and what the header and the Ollama panel read from a health report.
 */

/** The budget caps as typed: strings until they are checked. Empty = no cap. */
export interface BudgetDraft {
  daily: string
  monthly: string
  action: Budget['action']
}

export type BudgetField = keyof BudgetDraft

export interface BudgetForm {
  draft: BudgetDraft
  /** True once the user edited a field: a fresh summary no longer overwrites the form. */
  dirty: boolean
  fieldErrors: Partial<Record<BudgetField, string>>
  saving: boolean
  error: ErrorReport | null
  /** "Caps saved." after a successful save, until the next edit. */
  message: string | null
}

/** The last health report and when it arrived (cooldowns count down from then). */
export interface ReceivedReport {
  report: EndpointsReport | null
  receivedAt: number | null
}

export const emptyBudgetDraft: BudgetDraft = { daily: '', monthly: '', action: 'route-local' }

/** A cap as the form shows it: "5", "12.5", or "" for no cap. */
function capText(usd: number | null): string {
  return usd === null ? '' : String(usd)
}

export function budgetDraftFrom(budget: Budget): BudgetDraft {
  return { daily: capText(budget.dailyUsd), monthly: capText(budget.monthlyUsd), action: budget.action }
}

/** The largest cap the form accepts: anything above is almost surely a typo. */
export const MAX_CAP_USD = 1_000_000
const AMOUNT = /^\$?\s*(\d+(?:\.\d*)?|\.\d+)$/

/** One cap field: "" → null (no cap), "$5", "12.50" → a number; otherwise a message for the field. */
export function parseCap(text: string): { ok: true; usd: number | null } | { ok: false; message: string } {
  const trimmed = text.trim().replace(/,/g, '')
  if (trimmed === '') return { ok: true, usd: null }
  const match = AMOUNT.exec(trimmed)
  const usd = match?.[1] !== undefined ? Number(match[1]) : Number.NaN
  if (trimmed.startsWith('-')) return { ok: false, message: 'A cap cannot be negative. Leave the field empty for no cap.' }
  if (!Number.isFinite(usd)) return { ok: false, message: 'Enter an amount in US dollars, e.g. 5 or 12.50, or leave it empty for no cap.' }
  if (usd > MAX_CAP_USD) return { ok: false, message: `That is more than $${MAX_CAP_USD.toLocaleString('en-US')}; enter a smaller cap or leave it empty.` }
  return { ok: true, usd: Math.round(usd * 100) / 100 }
}

/** Check the whole form with the contract's own schema; errors come back per field. */
export function parseBudgetDraft(draft: BudgetDraft): { ok: true; budget: Budget } | { ok: false; fieldErrors: Partial<Record<BudgetField, string>> } {
  const fieldErrors: Partial<Record<BudgetField, string>> = {}
  const daily = parseCap(draft.daily)
  const monthly = parseCap(draft.monthly)
  if (!daily.ok) fieldErrors.daily = daily.message
  if (!monthly.ok) fieldErrors.monthly = monthly.message
  if (daily.ok && monthly.ok && daily.usd !== null && monthly.usd !== null && daily.usd > monthly.usd) {
    fieldErrors.daily = `The daily cap (${formatUsd(daily.usd)}) is above the monthly cap (${formatUsd(monthly.usd)}): it could never be reached.`
  }
  if (!daily.ok || !monthly.ok || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors }
  const parsed = Budget.safeParse({ dailyUsd: daily.usd, monthlyUsd: monthly.usd, action: draft.action })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] === 'monthlyUsd' ? 'monthly' : issue.path[0] === 'action' ? 'action' : 'daily'
      fieldErrors[key] ??= issue.message
    }
    return { ok: false, fieldErrors }
  }
  return { ok: true, budget: parsed.data }
}

// ---------------------------------------------------------------- pure helpers for the view

/** Every state except healthy is an alarm: the panel shows it as a bold inverted badge. */
export function isAlarm(state: EndpointState): boolean {
  return state !== 'healthy'
}

/** A cooldown as it stands now: the engine's figure minus the time since the report arrived. */
export function cooldownLeftMs(endpoint: Pick<EndpointStatus, 'cooldownRemainingMs'>, receivedAt: number | null, now: number): number | null {
  if (endpoint.cooldownRemainingMs === null || receivedAt === null) return null
  return Math.max(0, endpoint.cooldownRemainingMs - Math.max(0, now - receivedAt))
}

/** Any endpoint still cooling down now (the panel ticks once a second while one is). */
export function anyCooling(state: ReceivedReport, now: number): boolean {
  return (state.report?.endpoints ?? []).some((e) => (cooldownLeftMs(e, state.receivedAt, now) ?? 0) > 0)
}

/**
 * An endpoint whose cooldown ran out here while the last report still says "open": its state
 * has moved on (half-open) without an event, so the panel asks once more.
 */
export function cooldownEnded(state: ReceivedReport, now: number): boolean {
  return (state.report?.endpoints ?? []).some((e) => e.state === 'open' && cooldownLeftMs(e, state.receivedAt, now) === 0)
}

/** "—", "9 s", "2 m 05 s", "1 h 02 m". */
export function formatCountdown(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—'
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`
}

/** 0.125 → "13%"; a small non-zero rate never shows as 0%. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—'
  const pct = rate * 100
  if (pct > 0 && pct < 1) return '<1%'
  return `${Math.round(pct)}%`
}

/** US dollars: cents for ordinary amounts, more digits for the fractions a few tokens cost. */
export function formatUsd(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return '—'
  if (usd === 0) return '$0.00'
  if (usd > 0 && usd < 0.0001) return '<$0.0001'
  if (Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

/** Spend as a share of its cap, 0–100 (above 100 is shown full); null when there is no cap. */
export function capShare(spent: number, cap: number | null): number | null {
  if (cap === null) return null
  if (cap === 0) return spent > 0 ? 100 : 0
  return Math.min(100, Math.max(0, (spent / cap) * 100))
}

/** What the offline state means, in plain words; null while online. */
export function offlineExplanation(network: NetworkStatus): { title: string; headline: string; cause: string } | null {
  if (!network.offline) return null
  const title = 'Cloud is disabled'
  const headline = 'Nothing will try to reach it: every prompt is answered by a local model on this machine.'
  switch (network.cause) {
    case 'env':
      return { title, headline, cause: 'ROUTELLM_OFFLINE is set for the host. Unset it and restart the host to use the cloud again.' }
    case 'detected':
      return {
        title,
        headline,
        cause: `The network looks down${network.reason ? ` (${network.reason})` : ''}. RouteLLM rechecks in the background, without contacting any endpoint, and turns the cloud back on once it is reachable.`,
      }
    case 'setting':
      return { title, headline, cause: 'You turned offline mode on. Turn it off to let cloud-worthy prompts go to the cloud again.' }
    default:
      return { title, headline, cause: network.reason ?? 'Offline.' }
  }
}

/** The offline switch is "on" when the user (or the host's environment) forced offline. */
export function offlineSwitchOn(network: NetworkStatus): boolean {
  return network.cause === 'setting' || network.cause === 'env'
}

/** The one word the header shows for the whole system, and which endpoints make it so. */
export interface SystemCondition {
  condition: 'unknown' | 'online' | 'degraded' | 'offline'
  /** Endpoints that are not healthy, as "id state" (empty when all are). */
  troubled: string[]
}

/** Offline wins (nothing leaves the machine); otherwise any unhealthy, enabled endpoint means degraded. */
export function systemCondition(report: EndpointsReport | null): SystemCondition {
  if (report === null) return { condition: 'unknown', troubled: [] }
  const troubled = report.endpoints.filter((e) => e.state !== 'healthy' && e.state !== 'disabled').map((e) => `${e.id} ${e.state}`)
  if (report.network.offline) return { condition: 'offline', troubled }
  return { condition: troubled.length > 0 ? 'degraded' : 'online', troubled }
}

/** The local Ollama endpoint's health, when the engine reports one. */
export function ollamaHealth(report: EndpointsReport | null): EndpointStatus | null {
  return report?.endpoints.find((e) => e.provider === 'ollama') ?? null
}

/** States in which the engine sends the endpoint nothing: it failed since it was last seen working. */
export function endpointDown(endpoint: EndpointStatus): boolean {
  return endpoint.state === 'open' || endpoint.state === 'unreachable' || endpoint.state === 'half-open'
}
