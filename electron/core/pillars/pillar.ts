import type { ChatTurn } from '../../../shared/chat'
import type { PillarId, PillarVerdict } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'

/** What every scoring pillar sees. Token count is computed once, by the engine. */
export interface PillarInput {
  prompt: string
  /**
   * The turns sent before the prompt (system messages included). Routing scores the prompt
   * alone, but everything here is sent too, so the privacy pin reads it.
   */
  history?: readonly ChatTurn[]
  tokens: number
  policy: Policy
  signal?: AbortSignal
}

/** What the privacy check reads: the text that will be sent, never a token count. */
export type PrivacyInput = Pick<PillarInput, 'prompt' | 'history' | 'policy'>

/**
 * One routing pillar. A pillar never throws to the engine and never blocks the decision:
 * on failure or timeout it returns an abstaining verdict whose reason says why.
 */
export interface Pillar {
  readonly id: PillarId
  evaluate(input: PillarInput): PillarVerdict | Promise<PillarVerdict>
  /**
   * Only the privacy pin, for a request that chose its tier: private data still pins it local,
   * and nothing is scored. Optional, because only the rules pillar holds the privacy check; kept
   * on the same interface so the router runs one list of pillars whichever way it decides.
   */
  checkPrivacy?(input: PrivacyInput): PillarVerdict
}

export function abstain(pillar: PillarId, reason: string, ms: number, detail?: Record<string, unknown>): PillarVerdict {
  return { pillar, status: 'abstained', score: null, confidence: 0, reason, ms, ...(detail ? { detail } : {}) }
}
