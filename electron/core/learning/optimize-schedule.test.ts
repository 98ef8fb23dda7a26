import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { TelemetryRules } from '../../../shared/telemetry-rules'
import { syntheticRows } from '../../../test/support/synthetic-telemetry'
import { OptimizeService, type OverrideWriter } from './optimize-service'

const HOUR = 3_600_000
const NOW = Date.UTC(2026, 5, 1)

afterEach(() => {
  vi.useRealTimers()
})

function service(schedule: { enabled: boolean; everyHours: number }) {
  const saved: Record<string, unknown>[] = []
  const writer: OverrideWriter = {
    save: async (change) => {
      saved.push(change.patch)
      return { ok: true, entry: { id: `a${saved.length}` } }
    },
    revert: async () => ({ ok: true, entry: { id: 'r' } }),
    audit: { list: async () => [] },
  }
  let rules = TelemetryRules.parse({ version: 1, optimize: { schedule } })
  const rows = syntheticRows({ n: 400, now: NOW, clusters: [{ id: 'maths', weight: 1, score: 55, failRate: 0.5, failBy: 'retry' }] })
  const svc = new OptimizeService({
    telemetry: { evidence: () => rows },
    policy: () => ({ ...DEFAULT_POLICY, composition: { ...DEFAULT_POLICY.composition, pooling: 'mean' } }),
    rules: async () => rules,
    conditions: () => ({ cloudDegraded: null, budgetShare: null }),
    overrides: writer,
    now: () => NOW,
  })
  return { svc, saved, setRules: (r: TelemetryRules) => (rules = r) }
}

describe('Optimize Load on a schedule', () => {
  it('off by default: hours pass and nothing is written', async () => {
    vi.useFakeTimers()
    const { svc, saved } = service(TelemetryRules.parse({ version: 1 }).optimize.schedule)
    await svc.startSchedule()
    await vi.advanceTimersByTimeAsync(72 * HOUR)
    expect(saved).toEqual([])
    svc.stopSchedule()
  })

  it('turned on: runs and applies every N hours, not before; stopping ends it', async () => {
    vi.useFakeTimers()
    const { svc, saved } = service({ enabled: true, everyHours: 6 })
    await svc.startSchedule()
    await vi.advanceTimersByTimeAsync(6 * HOUR - 1000)
    expect(saved).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1000)
    expect(saved).toHaveLength(1)
    expect(saved[0]).toMatchObject({ clusterOffsets: { maths: expect.any(Number) } })
    await vi.advanceTimersByTimeAsync(6 * HOUR)
    expect(saved).toHaveLength(2)
    svc.stopSchedule()
    await vi.advanceTimersByTimeAsync(24 * HOUR)
    expect(saved).toHaveLength(2)
  })

  it('turning it on in the rules needs no restart: the next hourly look picks it up', async () => {
    vi.useFakeTimers()
    const { svc, saved, setRules } = service({ enabled: false, everyHours: 2 })
    await svc.startSchedule()
    await vi.advanceTimersByTimeAsync(3 * HOUR)
    expect(saved).toHaveLength(0)
    setRules(TelemetryRules.parse({ version: 1, optimize: { schedule: { enabled: true, everyHours: 2 } } }))
    await vi.advanceTimersByTimeAsync(1 * HOUR)
    await vi.advanceTimersByTimeAsync(2 * HOUR)
    expect(saved).toHaveLength(1)
    svc.stopSchedule()
  })

  it('the timer never keeps the process alive', async () => {
    const { svc } = service({ enabled: true, everyHours: 1 })
    await svc.startSchedule()
    const timer = (svc as unknown as { timer: NodeJS.Timeout }).timer
    expect(timer.hasRef()).toBe(false)
    svc.stopSchedule()
  })
})
