import { useCallback, useEffect, useReducer } from 'react'
import { describeError, type DashboardClient } from '../client'
import { onReconnect } from '../client/reconnect'
import { initialSelfCheck, selfCheckReducer, selfCheckRows } from '../state/self-check'
import { Panel } from './Panel'
import { TableHead } from './TableHead'

interface SelfCheckPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  className?: string
}

/**
 * SELF-CHECK: runs the local model on the bundled probe set (Run self-check / Stop), shows the
 * progress as the engine reports it, and per cluster what the model passed and how that moves
 * routing. All through the contract: probe.start / probe.stop / probe.status and their events.
 */
export function SelfCheckPanel({ client, enabled, className = '' }: SelfCheckPanelProps) {
  const [view, dispatch] = useReducer(selfCheckReducer, initialSelfCheck)

  const load = useCallback(async () => {
    try {
      dispatch({ type: 'status', status: await client.call('probe.status', {}) })
    } catch (err) {
      dispatch({ type: 'failed', error: describeError(err) })
    }
  }, [client])

  useEffect(() => {
    if (!enabled) return
    const offs = [
      client.on('probe.status', (status) => dispatch({ type: 'status', status })),
      client.on('probe.progress', (progress) => dispatch({ type: 'progress', progress })),
      onReconnect(client, () => void load()),
    ]
    void load()
    return () => offs.forEach((off) => off())
  }, [client, enabled, load])

  const send = useCallback(
    async (channel: 'probe.start' | 'probe.stop') => {
      try {
        dispatch({ type: 'status', status: await client.call(channel, {}) })
      } catch (err) {
        dispatch({ type: 'failed', error: describeError(err) })
      }
    },
    [client],
  )

  const status = view.status
  const running = status !== null && status.state !== 'idle'
  const progress = status?.progress
  const rows = selfCheckRows(status)
  const results = status?.results

  return (
    <Panel title="Self-check" className={className}>
      <div className="flex flex-col gap-3">
        <div className="flex flex-wrap items-center gap-2">
          <button type="button" className="btn px-3 py-1" data-testid="self-check-run" disabled={!enabled || running} onClick={() => void send('probe.start')}>
            Run self-check
          </button>
          <button type="button" className="btn btn-secondary px-3 py-1" data-testid="self-check-stop" disabled={!running || status?.state === 'stopping'} onClick={() => void send('probe.stop')}>
            Stop
          </button>
          <p className="text-sm" data-testid="self-check-state" aria-live="polite">
            {running && progress
              ? `${status.state === 'stopping' ? 'Stopping' : 'Running'}: ${progress.done} of ${progress.total} probes on ${progress.model}`
              : results
                ? `Last run: ${results.model}, ${(results.ms / 1000).toFixed(1)} s${results.partial ? ' (out of time: some probes not run)' : ''}`
                : 'Not run yet: checks the local model on short, exactly checkable prompts (under two minutes).'}
          </p>
        </div>
        {running && view.last ? (
          <p className="font-mono text-xs" data-testid="self-check-last">
            {view.last.passed ? 'PASS' : 'FAIL'} {view.last.cluster} · {view.last.itemId}
            {view.last.passed ? '' : ` — ${view.last.note}`}
          </p>
        ) : null}
        {status?.error ? (
          <p role="alert" className="on-dark bg-black p-2 text-sm text-white" data-testid="self-check-error">
            {status.error}
          </p>
        ) : null}
        {view.error ? (
          <p role="alert" className="on-dark bg-black p-2 text-sm text-white">
            {view.error.message}
          </p>
        ) : null}
        {rows.length > 0 ? (
          <table className="w-full border-collapse text-sm" data-testid="self-check-results">
            <TableHead columns={['Cluster', { label: 'Passed', numeric: true }, { label: 'Rate', numeric: true }, 'Routing']} />
            <tbody>
              {rows.map((r) => (
                <tr key={r.cluster} className="border-b border-black" data-testid={`self-check-row-${r.cluster}`}>
                  <td className="cell font-mono">{r.cluster}</td>
                  <td className="cell text-right tabular-nums">
                    {r.passed}/{r.run}
                  </td>
                  <td className="cell text-right tabular-nums">{r.rate}</td>
                  <td className={`cell ${r.effect === 'unchanged' ? '' : 'font-bold'}`}>{r.effect}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </Panel>
  )
}
