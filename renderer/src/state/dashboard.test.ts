import { describe, expect, it } from 'vitest'
import type { ChatStatus } from '../../../shared/chat'
import type { Decision } from '../../../shared/decision'
import type { ErrorReport } from '../client/errors'
import {
  canStop,
  dashboardReducer,
  initialDashboard,
  isBusy,
  MAX_ERRORS,
  MAX_PENDING_EVENTS,
  phaseDurations,
  type DashboardAction,
  type DashboardState,
} from './dashboard'

const decision: Decision = {
  id: 'd1',
  tier: 'local',
  model: 'llama3.2:1b',
  endpoint: 'ollama',
  complexity: 12,
  threshold: 65,
  explanation: 'Short greeting: local.',
  pinned: null,
  trace: [{ pillar: 'rules', status: 'scored', score: 12, confidence: 0.9, reason: 'short', ms: 0.1 }],
  ms: 0.4,
}

const status = (requestId: string, phase: ChatStatus['phase'], extra: Partial<ChatStatus> = {}): DashboardAction => ({
  type: 'event/status',
  payload: { requestId, phase, ...extra },
})
const token = (requestId: string, text: string): DashboardAction => ({ type: 'event/token', payload: { requestId, text } })
const report = (message: string, code: ErrorReport['code'] = 'internal'): ErrorReport => ({
  message,
  code,
  details: [],
  hint: null,
})

function reduce(actions: DashboardAction[], from: DashboardState = initialDashboard): DashboardState {
  return actions.reduce(dashboardReducer, from)
}

describe('dashboardReducer: a run', () => {
  it('walks analyzing → routing → generating → done and appends tokens verbatim', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'analyzing'),
      status('r1', 'routing', { decision }),
      status('r1', 'generating'),
      token('r1', 'Hello'),
      token('r1', ',  world\n'),
      token('r1', '\tbye'),
      status('r1', 'done', { usage: { inputTokens: 3, outputTokens: 4, ttftMs: 12, totalMs: 40 } }),
    ])
    expect(s.run.phase).toBe('done')
    expect(s.run.progress).toBe('generating')
    expect(s.run.decision).toEqual(decision)
    expect(s.run.answer).toBe('Hello,  world\n\tbye')
    expect(s.run.usage?.outputTokens).toBe(4)
    expect(s.errors).toEqual([])
    expect(isBusy(s.run)).toBe(false)
  })

  it('is busy and stoppable while in flight', () => {
    const s = reduce([{ type: 'run/requested' }])
    expect(isBusy(s.run)).toBe(true)
    expect(canStop(s.run)).toBe(true)
    const g = reduce([{ type: 'run/started', requestId: 'r1' }, status('r1', 'generating')], s)
    expect(isBusy(g.run)).toBe(true)
    expect(canStop(g.run)).toBe(true)
  })

  it('buffers events that arrive before chat.start returns, then replays only its own', () => {
    const s = reduce([
      { type: 'run/requested' },
      status('r1', 'analyzing'),
      status('other', 'generating'),
      token('other', 'NOT MINE'),
      status('r1', 'routing', { decision }),
      status('r1', 'generating'),
      token('r1', 'early '),
    ])
    expect(s.run.phase).toBe('starting')
    expect(s.run.pending).toHaveLength(6)
    const t = reduce([{ type: 'run/started', requestId: 'r1' }, token('r1', 'late')], s)
    expect(t.run.phase).toBe('generating')
    expect(t.run.decision?.id).toBe('d1')
    expect(t.run.answer).toBe('early late')
    expect(t.run.pending).toEqual([])
  })

  it('caps the pre-start buffer', () => {
    let s = reduce([{ type: 'run/requested' }])
    for (let i = 0; i < MAX_PENDING_EVENTS + 50; i++) s = dashboardReducer(s, token('x', 'a'))
    expect(s.run.pending).toHaveLength(MAX_PENDING_EVENTS)
  })

  it('ignores events for other requests and events when idle', () => {
    expect(reduce([token('r1', 'x'), status('r1', 'generating')])).toBe(initialDashboard)
    const s = reduce([{ type: 'run/requested' }, { type: 'run/started', requestId: 'r2' }, status('r2', 'generating')])
    const t = reduce([token('r1', 'stale'), status('r1', 'done')], s)
    expect(t.run.answer).toBe('')
    expect(t.run.phase).toBe('generating')
  })

  it('ignores tokens and statuses after a terminal phase', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'generating'),
      token('r1', 'a'),
      status('r1', 'aborted'),
      token('r1', 'b'),
      status('r1', 'done'),
    ])
    expect(s.run.phase).toBe('aborted')
    expect(s.run.answer).toBe('a')
  })

  it('a fresh run clears the previous answer and decision', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'routing', { decision }),
      token('r1', 'old'),
      status('r1', 'done'),
      { type: 'run/requested' },
    ])
    expect(s.run).toMatchObject({ phase: 'starting', answer: '', decision: null, requestId: null })
  })

  it('an engine error becomes the phase and a banner entry', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'analyzing'),
      status('r1', 'error', { error: 'Ollama is not reachable at 127.0.0.1:11434' }),
    ])
    expect(s.run.phase).toBe('error')
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]).toMatchObject({ source: 'run', code: 'engine', message: 'Ollama is not reachable at 127.0.0.1:11434' })
    expect(s.run.progress).toBe('analyzing') // how far it got before failing
  })

  it('a rejected chat.start becomes an error', () => {
    const s = reduce([{ type: 'run/requested' }, { type: 'run/failed', error: report('prompt too long', 'invalid-input') }])
    expect(s.run.phase).toBe('error')
    expect(s.errors[0]).toMatchObject({ source: 'run', code: 'invalid-input', message: 'prompt too long' })
    expect(isBusy(s.run)).toBe(false)
  })
})

describe('dashboardReducer: stop', () => {
  it('STOP before the requestId is known waits for it, then is sent once', () => {
    let s = reduce([{ type: 'run/requested' }, { type: 'stop/requested' }])
    expect(s.run.stop).toBe('wanted')
    expect(canStop(s.run)).toBe(false)
    s = reduce([{ type: 'run/started', requestId: 'r1' }, { type: 'stop/sent' }, { type: 'stop/sent' }], s)
    expect(s.run.stop).toBe('sent')
    s = reduce([status('r1', 'aborted')], s)
    expect(s.run.phase).toBe('aborted')
  })

  it('a failed chat.stop re-enables STOP and reports the error', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'generating'),
      { type: 'stop/requested' },
      { type: 'stop/sent' },
      { type: 'stop/failed', error: report('host went away', 'unavailable') },
    ])
    expect(s.run.stop).toBe('none')
    expect(canStop(s.run)).toBe(true)
    expect(s.errors[0]?.source).toBe('stop')
  })

  it('STOP is ignored when nothing runs', () => {
    expect(reduce([{ type: 'stop/requested' }])).toBe(initialDashboard)
  })
})

describe('dashboardReducer: simulate', () => {
  it('shows the decision and never accepts generation events', () => {
    const s = reduce([{ type: 'simulate/requested' }, token('r1', 'x'), { type: 'simulate/succeeded', decision }, status('r1', 'generating')])
    expect(s.run).toMatchObject({ mode: 'simulate', phase: 'simulated', answer: '', requestId: null })
    expect(s.run.decision).toEqual(decision)
    expect(canStop(s.run)).toBe(false)
  })

  it('a late simulate reply does not overwrite a newer run', () => {
    const s = reduce([{ type: 'simulate/requested' }, { type: 'run/requested' }, { type: 'simulate/succeeded', decision }])
    expect(s.run).toMatchObject({ mode: 'run', decision: null })
  })

  it('a failed simulation is an error', () => {
    const s = reduce([{ type: 'simulate/requested' }, { type: 'simulate/failed', error: report('boom') }])
    expect(s.run.phase).toBe('error')
    expect(s.errors[0]?.source).toBe('simulate')
  })
})

describe('dashboardReducer: ollama, info, connection, errors', () => {
  it("a panel's errors stay until its data arrives, then clear; other panels' stay", () => {
    let s = reduce([
      { type: 'error/raised', source: 'ollama', error: report('down', 'unavailable') },
      { type: 'error/raised', source: 'app', error: report('no info') },
    ])
    s = reduce([{ type: 'error/raised', source: 'ollama', error: report('down', 'unavailable') }], s)
    expect(s.errors.map((e) => [e.source, e.count])).toEqual([
      ['app', 1],
      ['ollama', 2],
    ])
    s = reduce([{ type: 'errors/resolved', source: 'ollama' }], s)
    expect(s.errors.map((e) => e.source)).toEqual(['app'])
  })

  it('a refused event stream is reported once', () => {
    const refused = { status: 'unauthorized' as const, attempt: 1, error: 'bad token', retryInMs: null }
    const s = reduce([
      { type: 'connection/changed', state: refused },
      { type: 'connection/changed', state: refused },
    ])
    expect(s.connection).toEqual(refused)
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]?.code).toBe('unauthorized')
  })

  it('a refused event stream is not reported again when a missing token already was', () => {
    const refused = { status: 'unauthorized' as const, attempt: 1, error: 'bad token', retryInMs: null }
    const s = reduce([
      { type: 'error/raised', source: 'app', error: report('No access token', 'unauthorized') },
      { type: 'connection/changed', state: refused },
    ])
    expect(s.errors.map((e) => e.source)).toEqual(['app'])
  })

  it('repeats collapse into a count; the list is capped; errors can be dismissed', () => {
    let s = reduce([
      { type: 'error/raised', source: 'ui', error: report('same') },
      { type: 'error/raised', source: 'ui', error: report('same') },
    ])
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]?.count).toBe(2)
    for (let i = 0; i < MAX_ERRORS + 3; i++) s = dashboardReducer(s, { type: 'error/raised', source: 'ui', error: report(`e${i}`) })
    expect(s.errors).toHaveLength(MAX_ERRORS)
    expect(s.errors.at(-1)?.message).toBe(`e${MAX_ERRORS + 2}`)
    const id = s.errors[0]!.id
    s = dashboardReducer(s, { type: 'error/dismissed', id })
    expect(s.errors.some((e) => e.id === id)).toBe(false)
    expect(dashboardReducer(s, { type: 'errors/cleared' }).errors).toEqual([])
  })
})

describe('dashboardReducer: failover and measured phases', () => {
  const hop = { endpoint: 'cloud', model: 'gpt-4o-mini', tier: 'cloud' as const, error: 'unavailable' as const, message: 'cloud: server error 500' }
  const served = { tier: 'local' as const, endpoint: 'ollama', model: 'llama3.2:1b' }

  it('keeps the hops and the arm that answered after a failover', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'routing', { decision: { ...decision, tier: 'cloud' } }),
      status('r1', 'generating', { servedBy: served, hops: [hop] }),
      status('r1', 'done', { servedBy: served, hops: [hop] }),
    ])
    expect(s.run.decision?.tier).toBe('cloud')
    expect(s.run.servedBy).toEqual(served)
    expect(s.run.hops).toEqual([hop])
  })

  it('measures each phase from the engine clock; the terminal step is the whole request', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'analyzing', { elapsedMs: 0.2 }),
      status('r1', 'routing', { decision, elapsedMs: 12.2 }),
      status('r1', 'generating', { elapsedMs: 13.2 }),
      status('r1', 'generating', { elapsedMs: 50 }),
      status('r1', 'done', { elapsedMs: 213.2 }),
    ])
    const ms = phaseDurations(s.run)
    expect(ms.analyzing).toBeCloseTo(12)
    expect(ms.routing).toBeCloseTo(1)
    expect(ms.generating).toBeCloseTo(200) // from the first 'generating' event, not a later one
    expect(ms.done).toBeCloseTo(213.2)
  })

  it('a phase still running has no duration yet; a run that failed while routing never generated', () => {
    const running = reduce([{ type: 'run/requested' }, { type: 'run/started', requestId: 'r1' }, status('r1', 'analyzing', { elapsedMs: 0 })])
    expect(phaseDurations(running.run)).toEqual({})
    const failed = reduce([status('r1', 'routing', { elapsedMs: 4 }), status('r1', 'error', { elapsedMs: 6, error: 'no endpoint' })], running)
    expect(phaseDurations(failed.run)).toEqual({ analyzing: 4, routing: 2, error: 6 })
    expect(failed.run.failure).toEqual({ message: 'no endpoint', interrupted: false })
  })

  it('a run that succeeds clears the errors of earlier runs, not those of other panels', () => {
    const s = reduce([
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r1' },
      status('r1', 'error', { error: 'No endpoint could answer.' }),
      { type: 'error/raised', source: 'ollama', error: report('probe failed') },
      { type: 'run/requested' },
      { type: 'run/started', requestId: 'r2' },
      status('r2', 'routing', { decision }),
      status('r2', 'done'),
    ])
    expect(s.errors.map((e) => e.source)).toEqual(['ollama'])
    const probed = reduce([{ type: 'errors/resolved', source: 'ollama' }], s)
    expect(probed.errors).toEqual([])
  })
})
