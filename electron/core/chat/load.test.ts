// The CI-sized version of bench/load.bench.ts: 50 concurrent streams, 400 requests through
// the chat flow, with upstream A turning slow, then failing, then recovering. Phases follow
// the request count, not the clock, so a loaded machine only makes it slower. Behaviour only:
// every request ends with the whole answer, failing A is routed around and gets traffic back.
// The figures (latency, memory at 200 streams × 60 s) belong to the bench.
import { describe, expect, it } from 'vitest'
import { runLoad } from '../../../test/support/load-runner'

describe('load on loopback (short)', () => {
  it('loses no request while one upstream degrades and recovers', { timeout: 120_000 }, async () => {
    const r = await runLoad({ streams: 50, requests: 400, tokenDelayMs: 5 })
    expect(r.requests).toBeGreaterThanOrEqual(400)
    expect(r.lost).toBe(0)
    expect(r.hung).toBe(0)
    expect(r.errors, r.errorSamples.join('\n')).toBe(0)
    expect(r.done).toBe(r.requests)
    const phase = (name: string) => r.phases.find((p) => p.phase === name)!
    expect(phase('healthy').servedBy.a).toBeGreaterThan(0)
    // While A fails, it answers nothing and B carries the cloud traffic, without errors.
    expect(phase('a-failing').servedBy.a ?? 0).toBe(0)
    expect(phase('a-failing').servedBy.b).toBeGreaterThan(0)
    expect(r.aStates.map((s) => s.state)).toEqual(expect.arrayContaining([expect.stringMatching(/degraded|open/)]))
    // Recovery returns traffic to A.
    expect(phase('a-recovered').servedBy.a).toBeGreaterThan(0)
  })
})
