/**
 * Replay of 10,000 telemetry rows under a candidate policy (threshold, pooling, cluster
 * offsets), without any text: read from the telemetry store, prepared, and replayed by the
 * engine's own compose function. Target < 1 s for the whole. Part of `npm run bench`.
 */
import { DEFAULT_POLICY } from '../shared/policy'
import { DEFAULT_TELEMETRY_RULES } from '../shared/telemetry-rules'
import { prepareEvidence, replay } from '../electron/core/learning/replay'
import { TelemetryStore } from '../electron/core/telemetry/index'
import { seedTelemetry, syntheticRows } from '../test/support/synthetic-telemetry'

const ROWS = 10_000

export function replayBench(): { readMs: number; replayMs: number; totalMs: number; ok: boolean } {
  const now = Date.now()
  const store = new TelemetryStore({ dataDir: null, now: () => now, retention: { maxAgeDays: null, maxRows: null } })
  const rows = syntheticRows({
    n: ROWS,
    now,
    clusters: [
      { id: 'maths', weight: 1, score: 60, failRate: 0.4, failBy: 'retry' },
      { id: 'code', weight: 1, score: 70, failRate: 0.2 },
      { id: 'chat', weight: 2, score: 20, failRate: 0.02 },
    ],
  })
  seedTelemetry(store, rows)
  store.flushPending()
  const candidate = { ...DEFAULT_POLICY, threshold: 62, clusterOffsets: { maths: 5 } }
  const times: { read: number; replay: number }[] = []
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now()
    const read = store.evidence(0, ROWS)
    const evidence = prepareEvidence(read, DEFAULT_TELEMETRY_RULES.failure)
    const t1 = performance.now()
    const result = replay(evidence, candidate)
    const t2 = performance.now()
    if (result.figures.decisions !== ROWS) throw new Error(`replayed ${result.figures.decisions} rows, not ${ROWS}`)
    times.push({ read: t1 - t0, replay: t2 - t1 })
  }
  store.close()
  times.sort((a, b) => a.read + a.replay - (b.read + b.replay))
  const median = times[times.length >> 1]!
  const totalMs = median.read + median.replay
  return { readMs: median.read, replayMs: median.replay, totalMs, ok: totalMs < 1000 }
}
