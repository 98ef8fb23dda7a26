import type { ChatStatus } from '../../../shared/chat'
import type { FeedbackRating, TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'
import type { ErrorReport } from '../client/errors'
import type { RunState } from './dashboard'

/**
 * The TELEMETRY panel's pure helpers (a fresh rating shown before the reload confirms it,
 * labels, shares) and the thumbs up/down reducer on the answer.
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

export interface FeedbackState {
  /** The request the rating belongs to; a new answer starts unrated. */
  requestId: string | null
  /** The saved rating. */
  rating: FeedbackRating | null
  /** A rating on its way to the engine. */
  pending: FeedbackRating | null
  error: ErrorReport | null
}

export type FeedbackAction =
  | { type: 'feedback/sending'; requestId: string; rating: FeedbackRating }
  | { type: 'feedback/sent'; requestId: string; rating: FeedbackRating }
  | { type: 'feedback/failed'; requestId: string; error: ErrorReport }

export const initialFeedback: FeedbackState = { requestId: null, rating: null, pending: null, error: null }

export function feedbackReducer(state: FeedbackState, action: FeedbackAction): FeedbackState {
  switch (action.type) {
    case 'feedback/sending': {
      const base = state.requestId === action.requestId ? state : { ...initialFeedback, requestId: action.requestId }
      return { ...base, pending: action.rating, error: null }
    }
    case 'feedback/sent':
      if (state.requestId !== action.requestId) return state // an answer the user has moved on from
      return { ...state, rating: action.rating, pending: null, error: null }
    case 'feedback/failed':
      if (state.requestId !== action.requestId) return state
      return { ...state, pending: null, error: action.error }
  }
}

/** What the buttons show for the answer on screen (a rating of an earlier answer does not carry over). */
export function feedbackFor(state: FeedbackState, requestId: string | null): Omit<FeedbackState, 'requestId'> {
  if (requestId === null || state.requestId !== requestId) return { rating: null, pending: null, error: null }
  return { rating: state.rating, pending: state.pending, error: state.error }
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
