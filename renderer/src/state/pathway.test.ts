import { describe, expect, it } from 'vitest'
import type { Decision } from '../../../shared/decision'
import type { Hop } from '../../../shared/health'
import { initialRun, type RunState } from './dashboard'
import { outcomeSentence, pathwayColumns, routePath, shownPhase, visitedSteps } from './pathway'

const decision = {
  id: 'd',
  tier: 'cloud',
  model: 'gpt-4o-mini',
  endpoint: 'cloud',
  complexity: 80,
  threshold: 65,
  explanation: 'hard',
  pinned: null,
  trace: [],
  ms: 1,
} as Decision
const hop: Hop = { endpoint: 'cloud', model: 'gpt-4o-mini', tier: 'cloud', error: 'unavailable', message: 'cloud: server error 500' }
const local = { tier: 'local' as const, endpoint: 'ollama', model: 'llama3.2:3b' }
const run = (over: Partial<RunState>): RunState => ({ ...initialRun, mode: 'run', ...over })

describe('pathway: phases', () => {
  it('has a column per engine phase, ending in how the run ended', () => {
    expect(pathwayColumns(run({ phase: 'generating' }))).toEqual(['analyzing', 'routing', 'generating', 'done'])
    expect(pathwayColumns(run({ phase: 'aborted' }))).toEqual(['analyzing', 'routing', 'generating', 'aborted'])
    expect(pathwayColumns(run({ mode: 'simulate', phase: 'simulated' }))).toEqual(['simulating', 'simulated'])
  })

  it('lists only the phases the run entered, so the held walk never shows a skipped one', () => {
    expect(visitedSteps(run({ phase: 'done', progress: 'generating' }))).toEqual(['analyzing', 'routing', 'generating', 'done'])
    expect(visitedSteps(run({ phase: 'error', progress: 'routing' }))).toEqual(['analyzing', 'routing', 'error'])
    expect(visitedSteps(run({ phase: 'starting', progress: 'starting' }))).toEqual([])
  })

  it('shows STARTING until the first step is on screen, then the step', () => {
    const r = run({ phase: 'routing', progress: 'routing' })
    expect(shownPhase(r, visitedSteps(r), -1)).toBe('starting')
    expect(shownPhase(r, visitedSteps(r), 0)).toBe('analyzing')
    expect(shownPhase({ ...initialRun }, [], -1)).toBe('idle')
  })
})

describe('pathway: the route and the footer sentence', () => {
  it('a plain run goes straight to the tier that answered', () => {
    const r = run({ phase: 'done', decision: { ...decision, tier: 'local' }, servedBy: local })
    expect(routePath(r).map((n) => [n.tier, n.state])).toEqual([['local', 'served']])
    expect(outcomeSentence(r)).toBe('Answered by local ollama (llama3.2:3b), as routed.')
  })

  it('a failover shows cloud ✕ then local, and the footer says so', () => {
    const r = run({ phase: 'done', decision, servedBy: local, hops: [hop] })
    expect(routePath(r).map((n) => [n.tier, n.state, n.error])).toEqual([
      ['cloud', 'failed', 'unavailable'],
      ['local', 'served', null],
    ])
    expect(outcomeSentence(r)).toBe('Failover: cloud cloud (gpt-4o-mini) failed: unavailable → Answered by local ollama (llama3.2:3b).')
  })

  it('before any attempt the path ends at the planned tier', () => {
    expect(routePath(run({ phase: 'routing', decision })).map((n) => [n.tier, n.state])).toEqual([['cloud', 'planned']])
    expect(routePath(run({ phase: 'analyzing' }))).toEqual([])
  })

  it('when every attempt failed, the last arm is not drawn twice', () => {
    const r = run({
      phase: 'error',
      decision,
      servedBy: { tier: 'cloud', endpoint: 'cloud', model: 'gpt-4o-mini' },
      hops: [hop],
      failure: { message: 'No endpoint could answer.', interrupted: false },
    })
    expect(routePath(r).map((n) => [n.tier, n.state])).toEqual([['cloud', 'failed']])
    expect(outcomeSentence(r)).toBe('No answer: cloud cloud (gpt-4o-mini) failed: unavailable.')
  })

  it('an interrupted answer is marked failed where it streamed from', () => {
    const r = run({ phase: 'error', decision, servedBy: local, failure: { message: 'stalled', interrupted: true } })
    expect(routePath(r).at(-1)).toMatchObject({ tier: 'local', state: 'failed' })
    expect(outcomeSentence(r)).toMatch(/^Interrupted: local ollama/)
  })
})
