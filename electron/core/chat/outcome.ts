import type { Decision } from '../../../shared/decision'
import type { Hop } from '../../../shared/health'
import type { Arm } from '../providers/types'

/** What happened to one generation, for telemetry and the bandit. */
export interface ChatOutcome {
  requestId: string
  decision: Decision
  ok: boolean
  aborted: boolean
  ttftMs: number | null
  totalMs: number
  inputTokens: number
  outputTokens: number
  /** The arm that answered (or that failed last), null when none was tried. */
  servedBy: Arm | null
  /** Failed attempts before it (failover). */
  hops: Hop[]
  costUsd: number
  /** The earlier answer this one re-asks in the cloud ("Retry in the cloud"), when the caller said so. */
  retryOf?: string | null
  /**
   * A keyed hash of the prompt as the model saw it (directive removed), so telemetry can tell
   * an `@cloud` re-send of the same prompt. Kept in memory only, never stored; the key is
   * random per process, so the hash cannot be matched against guessed prompts elsewhere.
   */
  promptKey?: string
}

/** The bandit feedback the engine's `router.record` takes (structurally its Outcome). */
export interface ArmFeedback {
  arm: { endpoint: string; model: string }
  success?: boolean
  latencyMs?: number
  ttftMs?: number | null
  costUsd?: number
}

/** Errors that say nothing about the arm's quality (the prompt, the user, the network did it). */
const NOT_THE_ARM = new Set(['aborted', 'context-length', 'offline', 'bad-request'])

/** Feed one generation back to the bandit: the arm that answered, and every arm that failed before it. */
export function outcomeFeedback(outcome: ChatOutcome): ArmFeedback[] {
  const out: ArmFeedback[] = []
  for (const hop of outcome.hops) {
    if (!NOT_THE_ARM.has(hop.error)) out.push({ arm: { endpoint: hop.endpoint, model: hop.model }, success: false })
  }
  if (outcome.servedBy && !outcome.aborted && !outcome.hops.some((h) => h.endpoint === outcome.servedBy?.endpoint && h.model === outcome.servedBy.model)) {
    out.push({
      arm: { endpoint: outcome.servedBy.endpoint, model: outcome.servedBy.model },
      success: outcome.ok,
      latencyMs: outcome.totalMs,
      ttftMs: outcome.ttftMs,
      costUsd: outcome.costUsd,
    })
  }
  return out
}
