import type { ChatPhase, ChatStatus, ChatToken } from '../../../shared/chat'
import type { Decision } from '../../../shared/decision'
import type { EndpointsReport, Hop } from '../../../shared/health'
import type { ErrorReport } from '../client/errors'
import { IDLE_CONNECTION, type ConnectionState } from '../client/types'

/**
 * All dashboard state lives in one pure reducer, so the event choreography (events that
 * arrive before chat.start has returned its requestId, late tokens after stop, errors from
 * every panel) is tested without a DOM.
 */

/** Where the current prompt is: before the engine's phases, the engine's phases, or a simulation. */
export type RunPhase = 'idle' | 'starting' | 'simulating' | 'simulated' | ChatPhase

export type StopState = 'none' | 'wanted' | 'sent'

export interface RunState {
  mode: 'run' | 'simulate' | null
  phase: RunPhase
  /** The last engine phase reached before a terminal one (how far an errored run got). */
  progress: RunPhase
  requestId: string | null
  decision: Decision | null
  answer: string
  servedBy: NonNullable<ChatStatus['servedBy']> | null
  usage: NonNullable<ChatStatus['usage']> | null
  /** Failed attempts before the arm in `servedBy` (failover), in order. */
  hops: Hop[]
  /** The engine's clock (ms since the request started) when each phase was first reported. */
  phaseAt: Partial<Record<ChatPhase, number>>
  /** What the engine said went wrong, and whether text had already streamed. */
  failure: { message: string; interrupted: boolean } | null
  /** 'wanted': STOP pressed before chat.start returned; 'sent': chat.stop is in flight or done. */
  stop: StopState
  /** Events that arrived while chat.start had not yet told us our requestId. */
  pending: PendingEvent[]
}

export type PendingEvent = { kind: 'status'; payload: ChatStatus } | { kind: 'token'; payload: ChatToken }

export type ErrorSource = 'run' | 'simulate' | 'stop' | 'ollama' | 'app' | 'events' | 'ui'

export interface UiError extends Omit<ErrorReport, 'code'> {
  /** A contract code, or 'engine' for a failure the engine reported in a chat.status event. */
  code: ErrorReport['code'] | 'engine'
  id: number
  source: ErrorSource
  /** How many times the same error repeated (shown as ×N). */
  count: number
}

export interface DashboardState {
  run: RunState
  connection: ConnectionState
  /** The latest endpoint health, from health.status (RPC or pushed event); drives the header and the Ollama panel. */
  health: EndpointsReport | null
  errors: UiError[]
  nextErrorId: number
}

export type DashboardAction =
  | { type: 'run/requested' }
  | { type: 'run/started'; requestId: string }
  | { type: 'run/failed'; error: ErrorReport }
  | { type: 'simulate/requested' }
  | { type: 'simulate/succeeded'; decision: Decision }
  | { type: 'simulate/failed'; error: ErrorReport }
  | { type: 'stop/requested' }
  | { type: 'stop/sent' }
  | { type: 'stop/failed'; error: ErrorReport }
  | { type: 'event/status'; payload: ChatStatus }
  | { type: 'event/token'; payload: ChatToken }
  /** A panel's data arrived: the errors it raised before are stale. */
  | { type: 'errors/resolved'; source: ErrorSource }
  | { type: 'connection/changed'; state: ConnectionState }
  | { type: 'health/report'; report: EndpointsReport }
  | { type: 'error/raised'; source: ErrorSource; error: ErrorReport | Omit<UiError, 'id' | 'source' | 'count'> }
  | { type: 'error/dismissed'; id: number }
  | { type: 'errors/cleared' }

export const MAX_PENDING_EVENTS = 10_000
export const MAX_ERRORS = 6

export const ACTIVE_PHASES: readonly RunPhase[] = ['starting', 'analyzing', 'routing', 'generating']
export const TERMINAL_PHASES: readonly RunPhase[] = ['done', 'error', 'aborted']

export const initialRun: RunState = {
  mode: null,
  phase: 'idle',
  progress: 'idle',
  requestId: null,
  decision: null,
  answer: '',
  servedBy: null,
  usage: null,
  hops: [],
  phaseAt: {},
  failure: null,
  stop: 'none',
  pending: [],
}

export const initialDashboard: DashboardState = {
  run: initialRun,
  connection: IDLE_CONNECTION,
  health: null,
  errors: [],
  nextErrorId: 1,
}

/** A run is in flight (RUN/SIMULATE are disabled meanwhile). */
export function isBusy(run: RunState): boolean {
  return run.phase === 'simulating' || ACTIVE_PHASES.includes(run.phase)
}

/** STOP is offered while a generation is in flight and not already being stopped. */
export function canStop(run: RunState): boolean {
  return run.mode === 'run' && ACTIVE_PHASES.includes(run.phase) && run.stop === 'none'
}

type NewError = Omit<UiError, 'id' | 'source' | 'count'>

function raise(state: DashboardState, source: ErrorSource, error: NewError): DashboardState {
  const same = state.errors.find((e) => e.source === source && e.message === error.message && e.code === error.code)
  if (same) {
    return {
      ...state,
      errors: [...state.errors.filter((e) => e !== same), { ...same, ...error, count: same.count + 1 }],
    }
  }
  const entry: UiError = { ...error, id: state.nextErrorId, source, count: 1 }
  return { ...state, errors: [...state.errors, entry].slice(-MAX_ERRORS), nextErrorId: state.nextErrorId + 1 }
}

/** Fold one engine event for the current request into the run. */
function applyEvent(run: RunState, event: PendingEvent): RunState {
  if (TERMINAL_PHASES.includes(run.phase)) return run // late events after done/error/aborted
  if (event.kind === 'token') {
    if (event.payload.text === '') return run
    return { ...run, answer: run.answer + event.payload.text }
  }
  const s = event.payload
  const firstOfPhase = s.elapsedMs !== undefined && run.phaseAt[s.phase] === undefined
  return {
    ...run,
    phase: s.phase,
    progress: TERMINAL_PHASES.includes(s.phase) ? run.progress : s.phase,
    decision: s.decision ?? run.decision,
    servedBy: s.servedBy ?? run.servedBy,
    usage: s.usage ?? run.usage,
    hops: s.hops ?? run.hops,
    phaseAt: firstOfPhase ? { ...run.phaseAt, [s.phase]: s.elapsedMs } : run.phaseAt,
    failure: s.phase === 'error' ? { message: s.error ?? 'The request failed.', interrupted: s.interrupted === true } : run.failure,
  }
}

/** Errors from these sources describe an earlier run: a later run that succeeds makes them stale. */
const RUN_ERROR_SOURCES: readonly ErrorSource[] = ['run', 'simulate', 'stop']

function clearErrors(state: DashboardState, sources: readonly ErrorSource[]): DashboardState {
  if (!state.errors.some((e) => sources.includes(e.source))) return state
  return { ...state, errors: state.errors.filter((e) => !sources.includes(e.source)) }
}

/** How long each phase of the current run took (ms), from the engine's clock; a phase still running has none. */
export function phaseDurations(run: RunState): Partial<Record<ChatPhase, number>> {
  const order: ChatPhase[] = ['analyzing', 'routing', 'generating']
  const end = run.phaseAt.done ?? run.phaseAt.error ?? run.phaseAt.aborted
  const out: Partial<Record<ChatPhase, number>> = {}
  order.forEach((phase, i) => {
    const from = run.phaseAt[phase]
    if (from === undefined) return
    const next =
      order
        .slice(i + 1)
        .map((p) => run.phaseAt[p])
        .find((at) => at !== undefined) ?? end
    if (next !== undefined) out[phase] = Math.max(0, next - from)
  })
  if (end !== undefined) {
    const terminal = run.phase === 'done' || run.phase === 'error' || run.phase === 'aborted' ? run.phase : 'done'
    out[terminal] = end
  }
  return out
}

/** Engine-side error text for a status event. */
function statusError(s: ChatStatus): NewError | null {
  if (s.phase !== 'error') return null
  return { message: s.error ?? 'The request failed.', code: 'engine', details: [], hint: null }
}

function onEvent(state: DashboardState, event: PendingEvent): DashboardState {
  const run = state.run
  if (run.mode !== 'run') return state
  if (run.requestId === null) {
    if (run.phase !== 'starting' || run.pending.length >= MAX_PENDING_EVENTS) return state
    return { ...state, run: { ...run, pending: [...run.pending, event] } }
  }
  if (event.payload.requestId !== run.requestId) return state
  const next = applyEvent(run, event)
  if (next === run) return state
  let result: DashboardState = { ...state, run: next }
  if (event.kind === 'status') {
    const err = statusError(event.payload)
    if (err) result = raise(result, 'run', err)
    if (event.payload.phase === 'done') result = clearErrors(result, RUN_ERROR_SOURCES)
  }
  return result
}

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'run/requested':
      return { ...state, run: { ...initialRun, mode: 'run', phase: 'starting', progress: 'starting' } }
    case 'run/started': {
      const run = state.run
      if (run.mode !== 'run' || run.phase !== 'starting' || run.requestId !== null) return state
      const pending = run.pending
      let next: DashboardState = { ...state, run: { ...run, requestId: action.requestId, pending: [] } }
      for (const event of pending) next = onEvent(next, event)
      return next
    }
    case 'run/failed':
      if (state.run.mode !== 'run') return state
      return raise({ ...state, run: { ...state.run, phase: 'error', pending: [] } }, 'run', action.error)
    case 'simulate/requested':
      return { ...state, run: { ...initialRun, mode: 'simulate', phase: 'simulating', progress: 'simulating' } }
    case 'simulate/succeeded':
      if (state.run.mode !== 'simulate') return state
      return clearErrors({ ...state, run: { ...state.run, phase: 'simulated', decision: action.decision } }, ['simulate'])
    case 'simulate/failed':
      if (state.run.mode !== 'simulate') return state
      return raise({ ...state, run: { ...state.run, phase: 'error' } }, 'simulate', action.error)
    case 'stop/requested':
      if (!canStop(state.run)) return state
      return { ...state, run: { ...state.run, stop: 'wanted' } }
    case 'stop/sent':
      if (state.run.stop !== 'wanted') return state
      return { ...state, run: { ...state.run, stop: 'sent' } }
    case 'stop/failed':
      return raise({ ...state, run: { ...state.run, stop: 'none' } }, 'stop', action.error)
    case 'event/status':
      return onEvent(state, { kind: 'status', payload: action.payload })
    case 'event/token':
      return onEvent(state, { kind: 'token', payload: action.payload })
    case 'errors/resolved':
      return clearErrors(state, [action.source])
    case 'connection/changed': {
      const next = { ...state, connection: action.state }
      const known = state.errors.some((e) => e.code === 'unauthorized')
      if (action.state.status === 'unauthorized' && state.connection.status !== 'unauthorized' && !known) {
        return raise(next, 'events', {
          message: `The event stream was refused: ${action.state.error ?? 'unauthorized'}`,
          code: 'unauthorized',
          details: [],
          hint: 'Open the dashboard with the full URL printed by `npm run serve` (it ends with #token=…).',
        })
      }
      return next
    }
    case 'health/report':
      return { ...state, health: action.report }
    case 'error/raised':
      return raise(state, action.source, action.error)
    case 'error/dismissed':
      return { ...state, errors: state.errors.filter((e) => e.id !== action.id) }
    case 'errors/cleared':
      return { ...state, errors: [] }
  }
}
