import { ContractError } from '../../../shared/client'
import type { Output } from '../../../shared/contract'
import type { FeedbackRating } from '../../../shared/telemetry'
import type { Outcome } from '../pillars/bandit'
import type { TelemetryStore } from './store'

export interface FeedbackDeps {
  telemetry: Pick<TelemetryStore, 'setFeedback'>
  router: { record(outcome: Outcome): void }
}

/**
 * Thumbs up / down on one answer: stored with its telemetry row, and taught to the bandit
 * for the arm that answered. The same rating twice is a no-op for the bandit; a changed
 * rating is taught as a new vote (the bandit keeps counts and cannot withdraw the old one).
 */
export function submitFeedback(deps: FeedbackDeps, requestId: string, rating: FeedbackRating): Output<'feedback.submit'> {
  const result = deps.telemetry.setFeedback(requestId, rating)
  if (!result)
    throw new ContractError('No recorded answer has this request id (it never finished here, or is older than the telemetry retention).', 'not-found')
  const { row, previous } = result
  const learned = previous !== rating && row.endpoint !== null && row.model !== null
  if (learned && row.endpoint !== null && row.model !== null) deps.router.record({ arm: { endpoint: row.endpoint, model: row.model }, feedback: rating })
  return { requestId, rating, previous, learned }
}
