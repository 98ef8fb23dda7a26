import type { ProbeResults } from '../../../../shared/probe'
import type { ClusterOffset, ClusterOffsetSource } from '../../engine/cluster-offsets'

/** How the self-check's pass rates turn into points on the complexity index. */
export const PROBE_OFFSET = {
  /** A cluster with fewer answered probes says too little to move anything. */
  minRun: 3,
  /** Failing up to this share of a cluster's probes is noise for a small model: no points. */
  tolerance: 0.25,
  /** Points when every probe of a cluster failed; the share beyond the tolerance scales linearly up to this. */
  maxPoints: 20,
} as const

/**
 * Points toward the cloud for a cluster whose probes the local model failed: none up to the
 * tolerated failure share, then proportional to the failure share beyond it, up to
 * `maxPoints`. A cluster it passes keeps its routing (no points either way).
 */
export function probeOffset(results: ProbeResults | null, clusterId: string): ClusterOffset | null {
  const entry = results?.clusters.find((c) => c.cluster === clusterId)
  if (!results || !entry || entry.run < PROBE_OFFSET.minRun) return null
  const failure = (entry.run - entry.passed) / entry.run
  const beyond = (failure - PROBE_OFFSET.tolerance) / (1 - PROBE_OFFSET.tolerance)
  const points = Math.round(PROBE_OFFSET.maxPoints * Math.min(1, beyond))
  if (points <= 0) return null
  return { points, source: 'probe', reason: `the local model (${results.model}) passed ${entry.passed} of ${entry.run} ${clusterId} probes` }
}

/** Every cluster the results move, with its points and reason. */
export function probeOffsets(results: ProbeResults | null): Array<{ cluster: string; points: number; reason: string }> {
  return (results?.clusters ?? []).flatMap((c) => {
    const offset = probeOffset(results, c.cluster)
    return offset ? [{ cluster: c.cluster, points: offset.points, reason: offset.reason }] : []
  })
}

/** The self-check as an offset source of the router: reads results kept in memory, never the disk. */
export class ProbeOffsetSource implements ClusterOffsetSource {
  constructor(private readonly results: () => ProbeResults | null) {}

  offsets(clusterId: string): readonly ClusterOffset[] {
    const offset = probeOffset(this.results(), clusterId)
    return offset ? [offset] : []
  }
}
