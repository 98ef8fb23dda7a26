import { describe, expect, it } from 'vitest'
import type { EndpointsReport } from '../../../shared/health'
import type { TelemetrySummary } from '../../../shared/telemetry'
import { breakerCount, mergeEnds, RATE_WINDOW_MS, requestsPerMinute, savedVsAllCloud } from './telemetry-bar'

const tier = (requests: number, errors: number, costUsd: number) => ({ requests, errors, latencyMs: null, ttftMs: null, costUsd })
const summary = (local: ReturnType<typeof tier>, cloud: ReturnType<typeof tier>) => ({ tiers: { local, cloud } }) as TelemetrySummary

describe('telemetry bar figures', () => {
  it('counts each request that ended in the last minute once, rows and live events alike', () => {
    const now = 1_000_000
    let ends = mergeEnds(
      new Map(),
      [
        ['a', now - 70_000],
        ['b', now - 30_000],
      ],
      now,
    )
    ends = mergeEnds(
      ends,
      [
        ['b', now - 29_000],
        ['c', now],
      ],
      now,
    ) // b seen again live: still one request
    expect(requestsPerMinute(ends, now)).toBe(2)
    // A minute later both have aged out, and the map forgets them.
    const later = now + RATE_WINDOW_MS
    expect(requestsPerMinute(ends, later)).toBe(0)
    expect(mergeEnds(ends, [], later).size).toBe(0)
  })

  it('prices local answers at the average cloud answer; unknown without a cloud answer', () => {
    expect(savedVsAllCloud(summary(tier(9, 1, 0), tier(4, 0, 0.02)))).toBeCloseTo(0.04)
    expect(savedVsAllCloud(summary(tier(3, 0, 0), tier(1, 1, 0)))).toBeNull()
  })

  it('counts breakers that are open or probing over the enabled endpoints', () => {
    const e = (id: string, state: EndpointsReport['endpoints'][number]['state']) => ({ id, state }) as EndpointsReport['endpoints'][number]
    const report = {
      network: { offline: false, cause: null, reason: null, since: null },
      endpoints: [e('a', 'open'), e('b', 'half-open'), e('c', 'healthy'), e('d', 'disabled')],
    }
    expect(breakerCount(report)).toEqual({ open: 1, halfOpen: 1, total: 3 })
    expect(breakerCount(null)).toBeNull()
  })
})
