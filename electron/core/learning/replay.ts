import type { PillarVerdict, Tier } from '../../../shared/decision'
import type { ReplayFigures } from '../../../shared/optimize'
import type { Policy } from '../../../shared/policy'
import type { TelemetryRow } from '../../../shared/telemetry'
import type { TelemetryRules } from '../../../shared/telemetry-rules'
import { clusterOffsetFor, type ClusterOffsetSource } from '../engine/cluster-offsets'
import { composeIndex } from '../engine/compose'
import { failedLocal, servedTier } from './signals'

/** One decision as the replay needs it: its pillars as verdicts, what happened, no text. */
interface EvidenceRow {
  verdicts: PillarVerdict[]
  /** Something other than the index fixed the tier (privacy, a user override, health…): replay keeps it. */
  pinned: boolean
  /** The tier the router chose (after health)… */
  decided: Tier
  /** …and where it was answered (failover can differ). */
  tier: Tier
  cluster: string | null
  failed: boolean
  costUsd: number
  totalMs: number
  inputTokens: number
  outputTokens: number
}

/** Recent decisions prepared once, replayed under as many candidate policies as needed. */
export interface Evidence {
  rows: readonly EvidenceRow[]
  /** Failed share of local answers, per cluster ('' = no cluster) and overall: what a decision moved local is expected to do. */
  localFailureRate: ReadonlyMap<string, number>
  overallLocalFailureRate: number
  /** Mean time of an ok answer per tier: what a decision moved there is expected to take (null: none seen). */
  meanLatencyMs: Record<Tier, number | null>
}

export interface ClusterReplay {
  cluster: string
  decisions: number
  local: number
  failedLocal: number
}

export type { ReplayFigures }

export interface Replay {
  figures: ReplayFigures
  clusters: ClusterReplay[]
}

/** A stored pillar score as the engine's verdict; the semantic one names its nearest cluster, as the offsets read it. */
const verdictOf = (p: TelemetryRow['pillars'][number], cluster: string | null): PillarVerdict => ({
  pillar: p.pillar,
  status: p.status,
  score: p.score,
  // Rows written before confidences were kept count every pillar fully.
  confidence: p.confidence ?? 1,
  reason: '',
  ms: 0,
  ...(p.pillar === 'semantic' && cluster !== null ? { detail: { nearest: { id: cluster } } } : {}),
})

/** Reads the rows once: their verdicts, their failure signal, and the rates a moved decision is estimated with. */
export function prepareEvidence(rows: readonly TelemetryRow[], failure: TelemetryRules['failure']): Evidence {
  const prepared: EvidenceRow[] = []
  const perCluster = new Map<string, { local: number; failed: number }>()
  const latency: Record<Tier, { n: number; sum: number }> = { local: { n: 0, sum: 0 }, cloud: { n: 0, sum: 0 } }
  let local = 0
  let failed = 0
  for (const row of rows) {
    const tier = servedTier(row)
    const isFailed = failedLocal(row, failure)
    prepared.push({
      verdicts: row.pillars.map((p) => verdictOf(p, row.cluster)),
      pinned: row.pinned !== null,
      decided: row.tier,
      tier,
      cluster: row.cluster,
      failed: isFailed,
      costUsd: row.costUsd,
      totalMs: row.totalMs,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
    })
    if (row.outcome === 'ok') {
      latency[tier].n++
      latency[tier].sum += row.totalMs
    }
    if (tier !== 'local') continue
    local++
    if (isFailed) failed++
    const c = perCluster.get(row.cluster ?? '') ?? { local: 0, failed: 0 }
    c.local++
    if (isFailed) c.failed++
    perCluster.set(row.cluster ?? '', c)
  }
  const overall = local > 0 ? failed / local : 0
  return {
    rows: prepared,
    localFailureRate: new Map([...perCluster].map(([k, c]) => [k, c.local > 0 ? c.failed / c.local : overall])),
    overallLocalFailureRate: overall,
    meanLatencyMs: {
      local: latency.local.n > 0 ? latency.local.sum / latency.local.n : null,
      cloud: latency.cloud.n > 0 ? latency.cloud.sum / latency.cloud.n : null,
    },
  }
}

/**
 * Re-decides the recent decisions under `policy` without any text: the stored pillar scores
 * and confidences are composed, and the cluster offset applied, by the engine's own
 * functions (the policy's `clusterOffsets` plus `sources`, as the router adds them), and the
 * tier is read against the policy's threshold. Pinned decisions keep their
 * tier; the judge counts only where it ran (a candidate cannot make it run on old prompts).
 * A decision that stays where it was keeps what happened; one that moves takes the expected
 * figures of where it goes (the cluster's local failure rate, the tier's mean latency, the
 * policy's cloud price for its tokens).
 */
export function replay(evidence: Evidence, policy: Policy, sources: readonly ClusterOffsetSource[] = []): Replay {
  const price = policy.simulation.cloudPrice
  const figures: ReplayFigures = {
    decisions: evidence.rows.length,
    local: 0,
    localShare: null,
    failedLocal: 0,
    moved: { toCloud: 0, toLocal: 0 },
    costUsd: 0,
    meanLatencyMs: null,
  }
  const clusters = new Map<string, ClusterReplay>()
  let latencySum = 0
  let latencyN = 0
  for (const row of evidence.rows) {
    let decided = row.decided
    if (!row.pinned) {
      const index = composeIndex(row.verdicts, policy)
      if (index) decided = (clusterOffsetFor(index.index, row.verdicts, policy, sources)?.after ?? index.index) > policy.threshold ? 'cloud' : 'local'
    }
    const moved = decided !== row.decided
    // Unchanged: what really happened (failover included); moved: the tier it now goes to.
    const tier = moved ? decided : row.tier
    let failed = 0
    if (tier === 'local') failed = moved ? (evidence.localFailureRate.get(row.cluster ?? '') ?? evidence.overallLocalFailureRate) : row.failed ? 1 : 0
    if (moved) {
      if (tier === 'cloud') figures.moved.toCloud++
      else figures.moved.toLocal++
      figures.costUsd += tier === 'cloud' ? (row.inputTokens * price.inputPerMTok + row.outputTokens * price.outputPerMTok) / 1_000_000 : 0
      const expected = evidence.meanLatencyMs[tier]
      if (expected !== null) {
        latencySum += expected
        latencyN++
      }
    } else {
      figures.costUsd += row.costUsd
      latencySum += row.totalMs
      latencyN++
    }
    if (tier === 'local') figures.local++
    figures.failedLocal += failed
    if (row.cluster !== null) {
      const c = clusters.get(row.cluster) ?? { cluster: row.cluster, decisions: 0, local: 0, failedLocal: 0 }
      c.decisions++
      if (tier === 'local') c.local++
      c.failedLocal += failed
      clusters.set(row.cluster, c)
    }
  }
  figures.localShare = figures.decisions > 0 ? round(figures.local / figures.decisions, 4) : null
  figures.failedLocal = round(figures.failedLocal, 2)
  figures.costUsd = round(figures.costUsd, 6)
  figures.meanLatencyMs = latencyN > 0 ? round(latencySum / latencyN, 1) : null
  return { figures, clusters: [...clusters.values()].map((c) => ({ ...c, failedLocal: round(c.failedLocal, 2) })).sort((a, b) => b.decisions - a.decisions) }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
