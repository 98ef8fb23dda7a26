import { describe, expect, it } from 'vitest'
import type { ProbeResults } from '../../../../shared/probe'
import { probeOffset, PROBE_OFFSET } from './probe-offsets'

const results = (clusters: Array<[string, number, number]>): ProbeResults => ({
  version: 1,
  model: 'llama3.2:3b',
  digest: null,
  modifiedAt: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  ms: 1,
  partial: false,
  clusters: clusters.map(([cluster, passed, run]) => ({ cluster, passed, run, skipped: 0 })),
})

describe('probeOffset', () => {
  it('moves a failed cluster cloudward in proportion to the failures beyond the tolerance, up to the cap', () => {
    const r = results([
      ['maths', 1, 8],
      ['all-wrong', 0, 5],
      ['edge', 3, 4],
      ['half', 2, 4],
    ])
    expect(probeOffset(r, 'maths')).toEqual({ points: 17, source: 'probe', reason: 'the local model (llama3.2:3b) passed 1 of 8 maths probes' })
    expect(probeOffset(r, 'all-wrong')?.points).toBe(PROBE_OFFSET.maxPoints)
    expect(probeOffset(r, 'edge')).toBeNull() // 25 % failed: within the tolerance
    expect(probeOffset(r, 'half')?.points).toBe(7) // (0.5 − 0.25) / 0.75 × 20
  })

  it('leaves a passed cluster, a cluster with too few answers, an unprobed cluster and no results alone', () => {
    const r = results([
      ['small-talk', 4, 4],
      ['thin', 0, 2],
    ])
    expect(probeOffset(r, 'small-talk')).toBeNull()
    expect(probeOffset(r, 'thin')).toBeNull()
    expect(probeOffset(r, 'coding')).toBeNull()
    expect(probeOffset(null, 'maths')).toBeNull()
  })
})
