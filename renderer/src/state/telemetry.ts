import type { ChatStatus } from '../../../shared/chat'
import type { FeedbackRating, TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'
import type { ContractClient } from '../../../shared/client'
import { describeError, type ErrorReport } from '../client/errors'
import type { RunState } from './dashboard'

/**
 * The TELEMETRY panel's pure helpers (a fresh rating shown before the reload confirms it,
 * labels, shares) and the thumbs up/down on the answer.
 */

/** The panel's summary covers the last day; the CLI (`routellm stats`) can show any window. */
export const SUMMARY_WINDOW_HOURS = 24
/** Rows in the panel's recent-requests table. */
export const RECENT_ROWS = 10

/**
 * The figures with a rating the engine has just stored shown at once, before the next load
 * confirms it: the row's thumb and the vote counts move. Data that already has it is returned
 * unchanged, so applying it again after the reload counts nothing twice.
 */
export function withRating(
  summary: TelemetrySummary | null,
  rows: readonly TelemetryRow[],
  rated: { requestId: string; rating: FeedbackRating } | null,
): { summary: TelemetrySummary | null; rows: readonly TelemetryRow[] } {
  const row = rated ? rows.find((r) => r.requestId === rated.requestId) : undefined
  if (!rated || !row || row.feedback === rated.rating) return { summary, rows }
  return {
    rows: rows.map((r) => (r === row ? { ...r, feedback: rated.rating } : r)),
    summary: summary ? { ...summary, feedback: moveVote(summary.feedback, row.feedback, rated.rating) } : null,
  }
}

function moveVote(counts: TelemetrySummary['feedback'], from: FeedbackRating | null, to: FeedbackRating): TelemetrySummary['feedback'] {
  const next = { ...counts }
  if (from) next[from] = Math.max(0, next[from] - 1)
  next[to] += 1
  return next
}

/** A generation ended: the engine has recorded it, the panel should load again. */
export function endsGeneration(status: ChatStatus): boolean {
  return status.phase === 'done' || status.phase === 'error' || status.phase === 'aborted'
}

// ---- thumbs up / down on the answer ----

/** The last rating stored (or refused) and which answer it belongs to. */
export interface FeedbackState {
  requestId: string | null
  /** The stored rating. */
  rating: FeedbackRating | null
  error: ErrorReport | null
}

export const initialFeedback: FeedbackState = { requestId: null, rating: null, error: null }

/**
 * Store a rating (feedback.submit teaches the bandit too). A refused change keeps the earlier
 * rating of the same answer and says why; a rating of another answer starts fresh.
 */
export async function submitRating(
  client: Pick<ContractClient, 'call'>,
  prev: FeedbackState,
  next: { requestId: string; rating: FeedbackRating },
): Promise<FeedbackState> {
  const base = prev.requestId === next.requestId ? prev : { ...initialFeedback, requestId: next.requestId }
  try {
    await client.call('feedback.submit', next)
    return { requestId: next.requestId, rating: next.rating, error: null }
  } catch (err) {
    return { ...base, error: describeError(err) }
  }
}

/** What the buttons show for the answer on screen (a rating of an earlier answer does not carry over). */
export function feedbackFor(state: FeedbackState, requestId: string | null): Omit<FeedbackState, 'requestId'> {
  if (requestId === null || state.requestId !== requestId) return { rating: null, error: null }
  return { rating: state.rating, error: state.error }
}

/** Thumbs are offered once a generated answer has ended and has text (the engine recorded it). */
export function canRate(run: RunState): boolean {
  if (run.mode !== 'run' || run.requestId === null) return false
  if (run.phase === 'done') return true
  return (run.phase === 'error' || run.phase === 'aborted') && run.answer !== ''
}

// ---- formatting ----

/** A 0–1 share as a whole percentage ('<1%' for a trace, '—' for none). */
export function formatShare(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return '—'
  const pct = share * 100
  if (pct > 0 && pct < 1) return '<1%'
  if (pct < 100 && pct > 99) return '>99%'
  return `${Math.round(pct)}%`
}

/** How a request ended, for the table: OK, STOPPED, or the error class. */
export function outcomeLabel(row: Pick<TelemetryRow, 'outcome' | 'errorClass'>): string {
  if (row.outcome === 'ok') return 'ok'
  if (row.outcome === 'aborted') return 'stopped'
  return row.errorClass ? `error · ${row.errorClass}` : 'error'
}

/** The tier column: where it was sent, and where it was answered when failover moved it. */
export function tierLabel(row: Pick<TelemetryRow, 'tier' | 'servedTier'>): string {
  return row.servedTier && row.servedTier !== row.tier ? `${row.tier} → ${row.servedTier}` : row.tier
}

export function armLabel(row: Pick<TelemetryRow, 'endpoint' | 'model'>): string {
  if (row.endpoint === null) return '—'
  return row.model ? `${row.endpoint} · ${row.model}` : row.endpoint
}
