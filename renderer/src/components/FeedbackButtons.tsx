import { startTransition, useActionState, useOptimistic } from 'react'
import type { FeedbackRating } from '../../../shared/telemetry'
import type { DashboardClient } from '../client'
import type { RunState } from '../state/dashboard'
import { canRate, feedbackFor, initialFeedback, submitRating, type FeedbackState } from '../state/telemetry'

export interface Rated {
  requestId: string
  rating: FeedbackRating
  /** Epoch ms: tells one rating from the next. */
  at: number
}

interface FeedbackButtonsProps {
  client: DashboardClient
  run: RunState
  /** Told after the engine stored a rating (the telemetry panel shows it). */
  onRated?: (rated: Rated) => void
}

const LABEL: Record<FeedbackRating, string> = { up: 'Good', down: 'Bad' }

/**
 * Thumbs up / down on the answer once it has ended: feedback.submit stores the rating with the
 * request's telemetry and teaches the router's bandit. The chosen rating stays pressed;
 * pressing the other one changes it.
 */
export function FeedbackButtons({ client, run, onRated }: FeedbackButtonsProps) {
  const [saved, rate, pending] = useActionState(async (prev: FeedbackState, next: { requestId: string; rating: FeedbackRating }) => {
    const state = await submitRating(client, prev, next)
    if (state.error === null) onRated?.({ ...next, at: Date.now() })
    return state
  }, initialFeedback)
  const requestId = run.requestId
  const view = feedbackFor(saved, requestId)
  // The pressed button follows the click at once; it falls back if the engine refuses.
  const [shown, show] = useOptimistic(view.rating)
  const submit = (rating: FeedbackRating) => {
    if (requestId === null) return
    startTransition(() => {
      show(rating)
      rate({ requestId, rating })
    })
  }

  if (!canRate(run)) return null

  const button = (rating: FeedbackRating, glyph: string) => {
    const pressed = shown === rating
    return (
      <button
        type="button"
        data-testid={`feedback-${rating}`}
        aria-pressed={pressed}
        aria-label={`Thumbs ${rating}: ${LABEL[rating].toLowerCase()} answer`}
        disabled={pending}
        onClick={() => {
          if (view.rating !== rating) submit(rating)
        }}
        className={`inline-flex items-center gap-1 border-2 border-black px-2 py-0.5 text-xs font-bold tracking-widest uppercase select-none hover:underline disabled:cursor-wait ${
          pressed ? 'bg-black text-white' : 'bg-white text-black'
        }`}
      >
        <span aria-hidden="true">{glyph}</span>
        {LABEL[rating]}
      </button>
    )
  }

  return (
    <div
      role="group"
      aria-label="Rate this answer"
      data-testid="feedback"
      data-rating={view.rating ?? ''}
      className="flex flex-wrap items-center gap-2 border-t-2 border-black px-4 py-2"
    >
      <span className="label">Rate this answer</span>
      {button('up', '▲')}
      {button('down', '▼')}
      {view.rating && !pending ? (
        <span data-testid="feedback-status" role="status" className="text-xs font-bold tracking-widest uppercase">
          Rated {LABEL[view.rating].toLowerCase()} · the router learns from it
        </span>
      ) : null}
      {view.error ? (
        <span role="alert" data-testid="feedback-error" className="border-2 border-black px-1 text-xs font-bold">
          Rating not saved: {view.error.message}
        </span>
      ) : null}
    </div>
  )
}
