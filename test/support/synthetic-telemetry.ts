// Synthetic telemetry for the learning loop's tests and bench: no prompt text, known failure rates.
import type { TelemetryRow } from '../../shared/telemetry'
import { seededRandom } from '../../electron/core/pillars/bandit'
import { TelemetryStore } from '../../electron/core/telemetry/store'

export interface SyntheticCluster {
  id: string
  /** Share of the traffic (relative weight). */
  weight: number
  /** Centre of its pillar scores (0–100). */
  score: number
  /** Share of its local answers that fail, and how (thumbs down or a Retry in the cloud). */
  failRate: number
  failBy?: 'thumbs' | 'retry'
}

export interface SyntheticOptions {
  n: number
  /** Epoch ms of the newest row; rows go back one minute each. */
  now: number
  clusters: SyntheticCluster[]
  threshold?: number
  seed?: number
  /** Local time to first token of the rows newer than `recentSince` (default as old ones). */
  recentSince?: number
  recentLocalTtftMs?: number
}

/** Rows newest first, as the telemetry store's evidence() returns them. */
export function syntheticRows(opts: SyntheticOptions): TelemetryRow[] {
  const random = seededRandom(opts.seed ?? 1)
  const threshold = opts.threshold ?? 65
  const total = opts.clusters.reduce((s, c) => s + c.weight, 0)
  const rows: TelemetryRow[] = []
  for (let i = 0; i < opts.n; i++) {
    let pick = random() * total
    const cluster = opts.clusters.find((c) => (pick -= c.weight) < 0) ?? opts.clusters.at(-1)!
    const jitter = () => Math.max(0, Math.min(100, cluster.score + (random() - 0.5) * 30))
    const [rules, semantic] = [jitter(), jitter()]
    // As the engine decides with mean pooling: scores weighted by confidence (0.6 and 0.8), one decimal.
    const complexity = Math.round(((rules * 0.6 + semantic * 0.8) / 1.4) * 10) / 10
    const tier = complexity > threshold ? 'cloud' : 'local'
    const ts = opts.now - i * 60_000
    const failed = tier === 'local' && random() < cluster.failRate
    const recent = opts.recentSince !== undefined && ts >= opts.recentSince
    const inputTokens = 20 + Math.floor(random() * 200)
    const outputTokens = 50 + Math.floor(random() * 300)
    rows.push({
      requestId: `r${i}`,
      at: new Date(ts).toISOString(),
      decisionId: `d${i}`,
      tier,
      pinned: null,
      complexity,
      threshold,
      pillars: [
        { pillar: 'rules', status: 'scored', score: rules, confidence: 0.6 },
        { pillar: 'semantic', status: 'scored', score: semantic, confidence: 0.8 },
      ],
      servedTier: tier,
      endpoint: tier === 'local' ? 'ollama' : 'cloud',
      model: tier === 'local' ? 'llama3.2:3b' : 'gpt-4o-mini',
      hops: 0,
      hopErrors: [],
      outcome: 'ok',
      errorClass: null,
      ttftMs: tier === 'local' ? (recent && opts.recentLocalTtftMs !== undefined ? opts.recentLocalTtftMs : 200) + random() * 20 : 400 + random() * 50,
      totalMs: tier === 'local' ? 1500 + random() * 500 : 2500 + random() * 500,
      inputTokens,
      outputTokens,
      costUsd: tier === 'cloud' ? (inputTokens * 0.15 + outputTokens * 0.6) / 1_000_000 : 0,
      feedback: failed && (cluster.failBy ?? 'thumbs') === 'thumbs' ? 'down' : null,
      cluster: cluster.id,
      retryOf: null,
      retriedBy: failed && cluster.failBy === 'retry' ? `retry-${i}` : null,
    })
  }
  return rows
}

/** What seedTelemetry needs of the telemetry store (its real API). */
interface Recorder {
  insert(row: Omit<TelemetryRow, 'at' | 'feedback' | 'retriedBy'> & { ts: number }): void
  setFeedback(requestId: string, rating: 'up' | 'down'): unknown
}

/**
 * Writes synthetic rows into a telemetry store the way they would have arrived: each row,
 * then its signals through the store's own paths — a thumbs down as feedback, a Retry in the
 * cloud as a cloud answer that names the row it retried.
 */
export function seedTelemetry(store: Recorder, rows: readonly TelemetryRow[]): void {
  for (const row of [...rows].reverse()) {
    const { at, feedback, retriedBy, ...rest } = row
    const ts = Date.parse(at)
    store.insert({ ...rest, ts })
    if (retriedBy !== null) {
      store.insert({
        ...rest,
        requestId: retriedBy,
        decisionId: `${row.decisionId}-retry`,
        ts: ts + 1000,
        tier: 'cloud',
        pinned: 'override',
        servedTier: 'cloud',
        cluster: row.cluster,
        retryOf: row.requestId,
      })
    }
    if (feedback !== null) store.setFeedback(row.requestId, feedback)
  }
}

/**
 * A data folder's telemetry as Optimize's end-to-end checks start from: `n` recent answers, a
 * minute apart and ending a minute ago, where half the local maths answers were retried in
 * the cloud and small talk went fine.
 */
export function seedRetriedMaths(dataDir: string, n: number): void {
  const store = new TelemetryStore({ dataDir })
  try {
    const clusters: SyntheticCluster[] = [
      { id: 'maths', weight: 1, score: 55, failRate: 0.5, failBy: 'retry' },
      { id: 'chat', weight: 1, score: 20, failRate: 0 },
    ]
    seedTelemetry(store, syntheticRows({ n, now: Date.now() - 60_000, clusters }))
  } finally {
    store.close()
  }
}
