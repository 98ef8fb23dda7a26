import { describe, expect, it } from 'vitest'
import type { ProbeStatus } from '../../../shared/probe'
import { lastProbeReducer, progressLine, selfCheckRows } from './self-check'

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
const running: ProbeStatus = { ...idle, revision: 1, state: 'running', progress: { model: 'llama3.2:3b', done: 0, total: 48 } }
const progress = { model: 'llama3.2:3b', done: 3, total: 48, itemId: 'maths-ages', cluster: 'maths', passed: false, note: 'answered 14, expected 16' }

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

describe('a run as the panel follows it', () => {
  it('shows the last probe answered, forgets it when a new run starts, keeps it after the run', () => {
    let last = lastProbeReducer(null, { type: 'progress', progress })
    expect(last).toBe(progress)
    expect(progressLine(running, last)).toBe('Running: 3 of 48 probes on llama3.2:3b')
    last = lastProbeReducer(last, { type: 'status', status: idle })
    expect(last).toBe(progress)
    expect(progressLine(idle, last)).toBeNull()
    expect(lastProbeReducer(last, { type: 'status', status: running })).toBeNull()
  })

  it('says when a run is stopping', () => {
    const stopping: ProbeStatus = { ...running, revision: 2, state: 'stopping' }
    expect(progressLine(stopping, null)).toBe('Stopping: 0 of 48 probes on llama3.2:3b')
  })
})
