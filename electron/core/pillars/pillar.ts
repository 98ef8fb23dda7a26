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

/**
 * One routing pillar. A pillar never throws to the engine and never blocks the decision:
 * on failure or timeout it returns an abstaining verdict whose reason says why.
 */
export interface Pillar {
  readonly id: PillarId
  evaluate(input: PillarInput): PillarVerdict | Promise<PillarVerdict>
}

export function abstain(pillar: PillarId, reason: string, ms: number, detail?: Record<string, unknown>): PillarVerdict {
  return { pillar, status: 'abstained', score: null, confidence: 0, reason, ms, ...(detail ? { detail } : {}) }
}
