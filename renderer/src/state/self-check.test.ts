import { describe, expect, it } from 'vitest'
import type { ProbeStatus } from '../../../shared/probe'
import { initialSelfCheck, selfCheckReducer, selfCheckRows } from './self-check'

const results: NonNullable<ProbeStatus['results']> = {
  version: 1,
  model: 'llama3.2:3b',
  digest: null,
  modifiedAt: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  ms: 42_000,
  partial: false,
  clusters: [
    { cluster: 'small-talk', passed: 4, run: 4, skipped: 0 },
    { cluster: 'maths', passed: 1, run: 8, skipped: 0 },
    { cluster: 'thin', passed: 0, run: 0, skipped: 2 },
  ],
}
const idle: ProbeStatus = { revision: 3, state: 'idle', progress: null, error: null, results, offsets: [{ cluster: 'maths', points: 17, reason: 'r' }] }

describe('selfCheckRows', () => {
  it('lists clusters weakest first with their pass rate and routing effect', () => {
    expect(selfCheckRows(idle)).toEqual([
      { cluster: 'maths', passed: 1, run: 8, rate: '13%', effect: '+17 → cloud' },
      { cluster: 'small-talk', passed: 4, run: 4, rate: '100%', effect: 'unchanged' },
      { cluster: 'thin', passed: 0, run: 0, rate: '–', effect: 'unchanged' },
    ])
    expect(selfCheckRows({ ...idle, results: null })).toEqual([])
  })
})

describe('selfCheckReducer', () => {
  it('follows a run: started, each probe as progress, then the finished status', () => {
    const running: ProbeStatus = { ...idle, revision: 1, state: 'running', progress: { model: 'llama3.2:3b', done: 0, total: 48 } }
    let view = selfCheckReducer(initialSelfCheck, { type: 'status', status: running })
    expect(view).toEqual({ status: running, last: null, error: null })
    const progress = { model: 'llama3.2:3b', done: 3, total: 48, itemId: 'maths-ages', cluster: 'maths', passed: false, note: 'answered 14, expected 16' }
    view = selfCheckReducer(view, { type: 'progress', progress })
    expect(view.status?.progress).toEqual({ model: 'llama3.2:3b', done: 3, total: 48 })
    expect(view.last).toBe(progress)
    view = selfCheckReducer(view, { type: 'status', status: idle })
    expect(view.status).toBe(idle)
    expect(view.last).toBe(progress) // the last answer stays visible after the run
  })

  it('keeps the newest status when an older one arrives late (a call answer after the event)', () => {
    const stopping: ProbeStatus = { ...idle, revision: 2, state: 'stopping', progress: { model: 'm', done: 2, total: 48 } }
    const view = selfCheckReducer(selfCheckReducer(initialSelfCheck, { type: 'status', status: idle }), { type: 'status', status: stopping })
    expect(view.status).toBe(idle)
  })
})
