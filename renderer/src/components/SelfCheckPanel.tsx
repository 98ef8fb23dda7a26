import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { lastProbeReducer, progressLine, selfCheckRows } from '../state/self-check'
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
  const query = useContractQuery(client, 'probe.status', {}, { replaceOn: 'probe.status', enabled })
  const [last, dispatch] = useReducer(lastProbeReducer, null)
  const [failure, setFailure] = useState<ErrorReport | null>(null)
  const status = query.data
  // The newest revision seen in an event: an action's answer that is older (it crossed the event on the way) is dropped.
  const newest = useRef(-1)

  useEffect(() => {
    if (!enabled) return
    const offs = [
      client.on('probe.progress', (progress) => dispatch({ type: 'progress', progress })),
      client.on('probe.status', (next) => {
        newest.current = Math.max(newest.current, next.revision)
        dispatch({ type: 'status', status: next })
      }),
    ]
    return () => offs.forEach((off) => off())
  }, [client, enabled])

  const { replace } = query
  const send = useCallback(
    async (channel: 'probe.start' | 'probe.stop') => {
      try {
        const answer = await client.call(channel, {})
        setFailure(null)
        if (answer.revision < newest.current) return
        newest.current = answer.revision
        replace(answer)
      } catch (err) {
        setFailure(describeError(err))
      }
    },
    [client, replace],
  )

  const running = status !== null && status.state !== 'idle'
  const line = status ? progressLine(status, last) : null
  const results = status?.results
  const rows = selfCheckRows(status)
  const error = failure ?? query.error

  return (
    <Panel title="Self-check" className={className}>
      <div className="flex flex-col gap-3">
        <div className="flex flex-wrap items-center gap-2">
          <button
            type="button"
            className="btn px-3 py-1"
            data-testid="self-check-run"
            disabled={!enabled || status === null || running}
            // send never rejects: a failure shows in the panel's error line.
            onClick={() => void send('probe.start')}
          >
            Run self-check
          </button>
          <button
            type="button"
            className="btn btn-secondary px-3 py-1"
            data-testid="self-check-stop"
            disabled={status?.state !== 'running'}
            // As for Run: a failure shows in the panel's error line.
            onClick={() => void send('probe.stop')}
          >
            Stop
          </button>
          <p className="text-sm" data-testid="self-check-state" aria-live="polite">
            {line ??
              (results
                ? `Last run: ${results.model}, ${(results.ms / 1000).toFixed(1)} s${results.partial ? ' (out of time: some probes not run)' : ''}`
                : 'Not run yet: checks the local model on short, exactly checkable prompts (under two minutes).')}
          </p>
        </div>
        {running && last ? (
          <p className="font-mono text-xs" data-testid="self-check-last">
            {last.passed ? 'PASS' : 'FAIL'} {last.cluster} · {last.itemId}
            {last.passed ? '' : ` — ${last.note}`}
          </p>
        ) : null}
        {status?.error ? (
          <p role="alert" className="on-dark bg-black p-2 text-sm text-white" data-testid="self-check-error">
            {status.error}
          </p>
        ) : null}
        {error ? (
          <p role="alert" className="on-dark bg-black p-2 text-sm text-white">
            {error.message}
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
