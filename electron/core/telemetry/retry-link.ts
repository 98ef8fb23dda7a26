import type { ChatOutcome } from '../chat/outcome'

/** Local answers remembered for the retry window; more are dropped oldest first. */
const MAX_REMEMBERED = 1000

/**
 * Recognises an `@cloud` re-send: the same prompt (by its in-memory keyed hash, never the
 * text) sent pinned to the cloud within the retry window after a local answer. The user
 * asking again elsewhere says the local answer was not good enough, so telemetry links the
 * two and counts the local one as failed. Only this process's own answers are remembered.
 */
export class RetryLinker {
  private readonly local = new Map<string, { requestId: string; at: number }>()

  constructor(private readonly windowMs: () => number) {}

  /** The request this outcome retries (explicit, or an `@cloud` re-send in the window), else null; remembers local answers. */
  link(outcome: ChatOutcome, now: number): string | null {
    if (outcome.retryOf) return outcome.retryOf
    const key = outcome.promptKey
    if (!key) return null
    const tier = outcome.servedBy?.tier ?? outcome.decision.tier
    if (tier === 'local') {
      if (!outcome.aborted) this.remember(key, outcome.requestId, now)
      return null
    }
    const pinnedToCloud = outcome.decision.pinned === 'override' && outcome.decision.tier === 'cloud'
    const earlier = this.local.get(key)
    if (!pinnedToCloud || !earlier || now - earlier.at > this.windowMs()) return null
    this.local.delete(key)
    return earlier.requestId
  }

  private remember(key: string, requestId: string, at: number): void {
    this.local.delete(key)
    this.local.set(key, { requestId, at })
    if (this.local.size > MAX_REMEMBERED) this.local.delete(this.local.keys().next().value!)
  }
}
