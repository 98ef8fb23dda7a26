import type { RunState } from '../state/dashboard'

/** Whether a finished run was answered on this machine, so it can be asked again in the cloud. */
export function canRetryInCloud(run: RunState): boolean {
  return (
    run.mode === 'run' && run.requestId !== null && run.servedBy?.tier === 'local' && (run.phase === 'done' || run.phase === 'error' || run.phase === 'aborted')
  )
}

/**
 * RETRY IN THE CLOUD under a local answer: asks the same prompt again pinned to the cloud.
 * Telemetry links the two, so the local answer counts as one that fell short.
 */
export function RetryInCloud({ run, busy, onRetry }: { run: RunState; busy: boolean; onRetry: (requestId: string) => void }) {
  if (!canRetryInCloud(run) || run.requestId === null) return null
  const requestId = run.requestId
  return (
    <div className="flex items-center gap-3 border-t-2 border-black px-4 py-2">
      <button type="button" className="btn btn-secondary" data-testid="retry-cloud" disabled={busy} onClick={() => onRetry(requestId)}>
        Retry in the cloud
      </button>
      <span className="text-xs text-gray-700">Not good enough? Ask a cloud model instead; this answer is counted as one the local model fell short on.</span>
    </div>
  )
}
