import type { ProbeProgress, ProbeStatus } from '../../../shared/probe'
import type { ErrorReport } from '../client/errors'

/** The SELF-CHECK panel's view of the engine: its status (with results), the last probe answered, a failed call. */
export interface SelfCheckView {
  status: ProbeStatus | null
  last: ProbeProgress | null
  error: ErrorReport | null
}

export const initialSelfCheck: SelfCheckView = { status: null, last: null, error: null }

export type SelfCheckAction = { type: 'status'; status: ProbeStatus } | { type: 'progress'; progress: ProbeProgress } | { type: 'failed'; error: ErrorReport }

export function selfCheckReducer(view: SelfCheckView, action: SelfCheckAction): SelfCheckView {
  switch (action.type) {
    case 'status': {
      // Events and call answers can cross on the way: an older status never replaces a newer one.
      if (view.status && action.status.revision < view.status.revision) return view
      // A run that has not answered a probe yet starts from an empty progress line.
      const fresh = action.status.state === 'running' && action.status.progress?.done === 0
      return { status: action.status, last: fresh ? null : view.last, error: null }
    }
    case 'progress': {
      const status = view.status
      const running = status && status.state !== 'idle' ? { ...status, progress: { model: action.progress.model, done: action.progress.done, total: action.progress.total } } : status
      return { ...view, status: running, last: action.progress }
    }
    case 'failed':
      return { ...view, error: action.error }
  }
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
