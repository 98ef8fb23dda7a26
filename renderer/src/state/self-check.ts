import type { ProbeProgress, ProbeStatus } from '../../../shared/probe'

/** The last probe answered in the current run; a new run starts from none. */
export type SelfCheckAction = { type: 'status'; status: ProbeStatus } | { type: 'progress'; progress: ProbeProgress }

export function lastProbeReducer(last: ProbeProgress | null, action: SelfCheckAction): ProbeProgress | null {
  if (action.type === 'progress') return action.progress
  return action.status.state === 'running' && action.status.progress?.done === 0 ? null : last
}

/** "Running: 3 of 48 probes on llama3.2:3b", from the freshest of the status and the last progress event. */
export function progressLine(status: ProbeStatus, last: ProbeProgress | null): string | null {
  if (status.state === 'idle' || !status.progress) return null
  const done = Math.max(status.progress.done, last?.done ?? 0)
  return `${status.state === 'stopping' ? 'Stopping' : 'Running'}: ${done} of ${status.progress.total} probes on ${status.progress.model}`
}

export interface SelfCheckRow {
  cluster: string
  passed: number
  run: number
  /** "88%", or "–" when no probe of the cluster ran. */
  rate: string
  /** "+17 → cloud", or "unchanged". */
  effect: string
}

/** One row per probed cluster, weakest first: what the local model passed and what that does to routing. */
export function selfCheckRows(status: ProbeStatus | null): SelfCheckRow[] {
  const results = status?.results
  if (!results) return []
  const points = new Map(status.offsets.map((o) => [o.cluster, o.points]))
  return results.clusters
    .map((c) => ({
      cluster: c.cluster,
      passed: c.passed,
      run: c.run,
      rate: c.run ? `${Math.round((c.passed / c.run) * 100)}%` : '–',
      effect: points.has(c.cluster) ? `+${points.get(c.cluster)} → cloud` : 'unchanged',
      share: c.run ? c.passed / c.run : 1,
    }))
    .sort((a, b) => a.share - b.share || a.cluster.localeCompare(b.cluster))
    .map(({ share: _, ...row }) => row)
}
