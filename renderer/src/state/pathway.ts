import type { ChatPhase } from '../../../shared/chat'
import type { Tier } from '../../../shared/decision'
import type { ErrorClass } from '../../../shared/health'
import type { RunPhase, RunState } from './dashboard'

/**
 * What the pathway draws, as pure functions of the run: the phases the run went through
 * (with the engine's measured ms) and the path the prompt took to a tier, failover hops
 * included. The component only adds the minimum time each step stays on screen.
 */

const RUN_PHASES: readonly ChatPhase[] = ['analyzing', 'routing', 'generating']

/** The steps the pathway has columns for. */
export function pathwayColumns(run: RunState): RunPhase[] {
  if (run.mode === 'simulate') return ['simulating', run.phase === 'error' ? 'error' : 'simulated']
  const end: RunPhase = run.phase === 'error' || run.phase === 'aborted' ? run.phase : 'done'
  return [...RUN_PHASES, end]
}

/** The phases the run really entered, in order (a run that failed while routing never generated). */
export function visitedSteps(run: RunState): RunPhase[] {
  const terminal = run.phase === 'done' || run.phase === 'error' || run.phase === 'aborted' || run.phase === 'simulated'
  if (run.mode === 'simulate') return run.phase === 'simulating' ? ['simulating'] : terminal ? ['simulating', run.phase] : []
  if (run.mode !== 'run') return []
  const reached = RUN_PHASES.indexOf(run.progress as ChatPhase)
  return [...RUN_PHASES.slice(0, reached + 1), ...(terminal ? [run.phase] : [])]
}

/** The phase word to show when `shown` of the visited steps are on screen (-1: none yet). */
export function shownPhase(run: RunState, visited: readonly RunPhase[], shown: number): RunPhase {
  if (shown < 0 || visited.length === 0) return run.mode === 'simulate' && run.phase !== 'idle' ? 'simulating' : run.phase === 'idle' ? 'idle' : 'starting'
  return visited[Math.min(shown, visited.length - 1)]!
}

export interface PathNode {
  tier: Tier
  /** failed: an attempt that failed before any text (the router moved on); served: answered or answering; planned: the router's choice, not tried yet. */
  state: 'planned' | 'served' | 'failed'
  endpoint: string | null
  model: string | null
  error: ErrorClass | null
  message: string | null
}

/** Where the prompt went: each failed attempt, then the arm that answered (or the planned tier). */
export function routePath(run: RunState): PathNode[] {
  const d = run.decision
  if (d === null) return []
  const nodes: PathNode[] = run.hops.map((h) => ({ tier: h.tier, state: 'failed', endpoint: h.endpoint, model: h.model, error: h.error, message: h.message }))
  const s = run.servedBy
  if (s === null) {
    if (nodes.length === 0) nodes.push({ tier: d.tier, state: 'planned', endpoint: d.endpoint, model: d.model, error: null, message: null })
    return nodes
  }
  const last = run.hops.at(-1)
  // When every attempt failed, the engine names the last one as servedBy: it is already a failed hop.
  const repeatsLastHop = last !== undefined && last.endpoint === s.endpoint && last.model === s.model && run.phase === 'error' && !run.failure?.interrupted
  if (!repeatsLastHop) {
    const failed = run.phase === 'error'
    nodes.push({
      tier: s.tier,
      state: failed ? 'failed' : 'served',
      endpoint: s.endpoint,
      model: s.model,
      error: null,
      message: failed ? (run.failure?.message ?? null) : null,
    })
  }
  return nodes
}

/** One line for the answer footer: what happened to this prompt, failover included. */
export function outcomeSentence(run: RunState): string | null {
  if (run.mode !== 'run') return null
  const d = run.decision
  const s = run.servedBy
  const hops = run.hops.map((h) => `${h.tier} ${h.endpoint} (${h.model}) failed: ${h.error}`).join('; ')
  switch (run.phase) {
    case 'done': {
      if (!s) return 'Done.'
      const served = `Answered by ${s.tier} ${s.endpoint} (${s.model})`
      if (run.hops.length > 0) return `Failover: ${hops} → ${served}.`
      if (d && d.tier !== s.tier) return `${served}; the router chose ${d.tier}.`
      return `${served}, as routed.`
    }
    case 'error':
      if (run.failure?.interrupted)
        return `Interrupted: ${s ? `${s.tier} ${s.endpoint} (${s.model})` : 'the model'} stopped mid-answer. The text above is incomplete.`
      return run.hops.length > 0 ? `No answer: ${hops}.` : 'No answer: see the error above.'
    case 'aborted':
      return `Stopped by you${s ? ` while ${s.tier} ${s.endpoint} (${s.model}) was answering` : ''}.`
    default:
      return null
  }
}
