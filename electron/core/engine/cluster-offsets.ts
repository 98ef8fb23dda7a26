import type { PillarVerdict } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'
import { clamp, round } from '../../../shared/numbers'

/** Index points for prompts of one semantic cluster, with who asked for them and why. */
export interface ClusterOffset {
  /** Added to the complexity index; positive leans cloud. */
  points: number
  /** Who set it: 'policy', 'optimize', 'probe'… */
  source: string
  /** One readable clause: "the local model passed 2 of 10 maths probes". */
  reason: string
}

/** Anything that shifts clusters' routing (the policy, Optimize Load, the local-model probe). */
export interface ClusterOffsetSource {
  offsets(clusterId: string): readonly ClusterOffset[]
}

/** What was applied to one decision, as the trace shows it (`detail.clusterOffset` of the semantic verdict). */
export interface AppliedClusterOffset {
  clusterId: string
  clusterName: string
  /** The summed points after the cap. */
  points: number
  /** True when the sum was cut to ±cap. */
  capped: boolean
  /** The index before the offset; the decision's complexity is the index after it. */
  before: number
  after: number
  offsets: ClusterOffset[]
}

/** The policy's own `clusterOffsets`, read from the policy in force at each decision. */
export function policyClusterOffsets(policy: Policy, clusterId: string): ClusterOffset[] {
  const points = policy.clusterOffsets[clusterId]
  return points ? [{ points, source: 'policy', reason: `the policy sets clusterOffsets.${clusterId}` }] : []
}

/**
 * Where later features register their offsets. A source is consulted on every decision (it
 * must answer from memory, never from disk); `register` returns the function that removes it.
 */
export class ClusterOffsetRegistry implements ClusterOffsetSource {
  private readonly sources = new Set<ClusterOffsetSource>()

  register(source: ClusterOffsetSource): () => void {
    this.sources.add(source)
    return () => this.sources.delete(source)
  }

  offsets(clusterId: string): ClusterOffset[] {
    return [...this.sources].flatMap((s) => s.offsets(clusterId))
  }
}

/** The semantic pillar's nearest cluster (its id and name), when it scored. */
export const nearestCluster = (trace: readonly PillarVerdict[]): { id: string; name: string } | null => {
  const nearest = trace.find((v) => v.pillar === 'semantic' && v.status === 'scored')?.detail?.['nearest'] as
    { id?: unknown; name?: unknown } | null | undefined
  return typeof nearest?.id === 'string' ? { id: nearest.id, name: typeof nearest.name === 'string' ? nearest.name : nearest.id } : null
}

/**
 * The offset for the prompt's nearest semantic cluster: every source's points summed, the sum
 * held within ±`clusterOffsetMax`, the index kept within 0–100. Null when the semantic pillar
 * named no cluster or nothing offsets it (then the decision is exactly as without offsets).
 */
export function clusterOffsetFor(
  index: number,
  trace: readonly PillarVerdict[],
  policy: Policy,
  sources: readonly ClusterOffsetSource[],
): AppliedClusterOffset | null {
  const cluster = nearestCluster(trace)
  if (!cluster) return null
  const offsets = [...policyClusterOffsets(policy, cluster.id), ...sources.flatMap((s) => s.offsets(cluster.id))].filter(
    (o) => Number.isFinite(o.points) && o.points !== 0,
  )
  if (offsets.length === 0) return null
  const sum = offsets.reduce((total, o) => total + o.points, 0)
  const cap = policy.clusterOffsetMax
  const points = Math.max(-cap, Math.min(cap, sum))
  const after = round(clamp(index + points, 0, 100), 1)
  return { clusterId: cluster.id, clusterName: cluster.name, points, capped: points !== sum, before: index, after, offsets }
}

const signed = (n: number) => `${n > 0 ? '+' : ''}${round(n, 1)}`

/** "+8 for cluster 'maths': the local model passed 2 of 10 maths probes." (each source named when there are several). */
export function describeClusterOffset(o: AppliedClusterOffset): string {
  const reasons = o.offsets.length === 1 ? o.offsets[0]!.reason : o.offsets.map((x) => `${x.reason} (${x.source}, ${signed(x.points)})`).join('; ')
  const cap = o.capped ? ` (held to the cap of ${Math.abs(o.points)} points)` : ''
  return `${signed(o.points)} for cluster '${o.clusterName}': ${reasons}${cap}; index ${o.before} → ${o.after}.`
}
