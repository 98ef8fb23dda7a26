import { useEffect } from 'react'
import type { TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'
import type { DashboardClient } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { formatClock, formatMs, formatScore } from '../format'
import { formatUsd } from '../state/health'
import { armLabel, endsGeneration, formatShare, outcomeLabel, RECENT_ROWS, SUMMARY_WINDOW_HOURS, tierLabel, withRating } from '../state/telemetry'
import type { Rated } from './FeedbackButtons'
import { Panel } from './Panel'
import { TableHead } from './TableHead'
import { Metric } from './Metric'

interface TelemetryPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  /** The latest thumbs up/down on an answer: shown at once, then reloaded. */
  lastRating?: Rated | null
  /** Every successful load, for the telemetry bar. */
  onLoaded?: (summary: TelemetrySummary, rows: TelemetryRow[]) => void
  className?: string
}

/** Local vs cloud as one bar: black = answered on this machine (SVG attributes: the CSP forbids inline styles). */
function ShareBar({ local }: { local: number | null }) {
  const width = local === null ? 0 : Math.max(0, Math.min(100, local * 100))
  return (
    <svg viewBox="0 0 100 6" preserveAspectRatio="none" className="mt-1 h-2 w-full border border-black" aria-hidden="true">
      <rect x="0" y="0" width={width} height="6" className="fill-black" />
    </svg>
  )
}

const pair = (p: { p50: number; p95: number } | null): string => (p === null ? '—' : `${formatMs(p.p50)} / ${formatMs(p.p95)}`)

function Summary({ summary }: { summary: TelemetrySummary }) {
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-3 sm:grid-cols-3 lg:grid-cols-5">
      <Metric large term="Requests" testId="telemetry-requests" sub={`ok ${summary.ok} · errors ${summary.errors} · stopped ${summary.aborted}`}>
        {summary.requests}
      </Metric>
      <Metric large term="Local share" testId="telemetry-local-share" sub={<ShareBar local={summary.localShare} />}>
        {formatShare(summary.localShare)}
      </Metric>
      <Metric large term="Error rate" testId="telemetry-error-rate" sub="stopped by you: not errors">
        {formatShare(summary.errorRate)}
      </Metric>
      <Metric large term="Cost" testId="telemetry-cost" sub={`tokens ${summary.tokens.input} in · ${summary.tokens.output} out`}>
        {formatUsd(summary.costUsd)}
      </Metric>
      <Metric large term="Feedback" testId="telemetry-feedback" sub="thumbs on answers">
        <span aria-label={`${summary.feedback.up} up, ${summary.feedback.down} down`}>
          ▲{summary.feedback.up} ▼{summary.feedback.down}
        </span>
      </Metric>
    </dl>
  )
}

const NUMERIC = 'cell text-right whitespace-nowrap tabular-nums'

/** p50/p95 latency and time to first token per tier (successful answers only). */
function TierTable({ summary }: { summary: TelemetrySummary }) {
  return (
    <div className="overflow-x-auto">
      <table data-testid="telemetry-tiers" className="w-full min-w-[30rem] border-collapse border-2 border-black text-sm">
        <caption className="label pb-1 text-left">Per tier · latency and TTFT of successful answers</caption>
        <TableHead columns={['Tier', ...['Requests', 'Errors', 'Latency p50 / p95', 'TTFT p50 / p95', 'Cost'].map((label) => ({ label, numeric: true }))]} />
        <tbody>
          {(['local', 'cloud'] as const).map((tier) => {
            const f = summary.tiers[tier]
            return (
              <tr key={tier} data-testid={`telemetry-tier-${tier}`} className={f.requests === 0 ? 'text-gray-600' : ''}>
                <th scope="row" className="cell font-bold uppercase">
                  {tier}
                </th>
                <td className={NUMERIC}>{f.requests}</td>
                <td className={NUMERIC}>{f.errors}</td>
                <td className={NUMERIC} data-testid={`telemetry-latency-${tier}`}>
                  {pair(f.latencyMs)}
                </td>
                <td className={NUMERIC}>{pair(f.ttftMs)}</td>
                <td className={NUMERIC}>{formatUsd(f.costUsd)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** Requests per endpoint and model. */
function EndpointTable({ summary }: { summary: TelemetrySummary }) {
  return (
    <div className="overflow-x-auto">
      <table data-testid="telemetry-endpoints" className="w-full min-w-[22rem] border-collapse border-2 border-black text-sm">
        <caption className="label pb-1 text-left">Per endpoint</caption>
        <TableHead columns={['Endpoint · model', { label: 'Requests', numeric: true }, { label: 'Errors', numeric: true }]} />
        <tbody>
          {summary.endpoints.length === 0 ? (
            <tr>
              <td className="cell text-gray-600" colSpan={3}>
                No endpoint answered yet.
              </td>
            </tr>
          ) : (
            summary.endpoints.slice(0, 6).map((e) => (
              <tr key={`${e.endpoint}\n${e.model}`}>
                <td className="cell max-w-[18rem] truncate" title={`${e.endpoint} · ${e.model} (${e.tier})`}>
                  {e.endpoint} · {e.model}
                </td>
                <td className={NUMERIC}>{e.requests}</td>
                <td className={NUMERIC}>{e.errors}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  )
}

const RECENT_COLUMNS = [
  'Time',
  'Tier',
  { label: 'Cx', numeric: true, title: 'complexity index 0–100' },
  'Endpoint · model',
  { label: 'TTFT', numeric: true },
  { label: 'Total', numeric: true },
  'Outcome',
  'Rating',
] as const

function RecentTable({ rows }: { rows: readonly TelemetryRow[] }) {
  return (
    <div className="overflow-x-auto">
      <table data-testid="telemetry-recent" className="table-cards w-full min-w-[44rem] border-collapse border-2 border-black text-sm">
        <caption className="label pb-1 text-left">Recent requests (newest first)</caption>
        <TableHead columns={RECENT_COLUMNS} />
        <tbody>
          {rows.map((r) => {
            const failed = r.outcome !== 'ok'
            return (
              <tr key={r.requestId} data-testid="telemetry-row" data-request-id={r.requestId} data-outcome={r.outcome} data-feedback={r.feedback ?? ''}>
                <td data-label="Time" className="cell whitespace-nowrap tabular-nums">
                  {formatClock(Date.parse(r.at))}
                </td>
                <td data-label="Tier" className="cell whitespace-nowrap uppercase">
                  {tierLabel(r)}
                  {r.pinned ? <span className="block text-xs text-gray-600 normal-case">pinned: {r.pinned}</span> : null}
                </td>
                <td data-label="Complexity" className="cell text-right tabular-nums">
                  {formatScore(Math.round(r.complexity * 10) / 10)}
                </td>
                <td data-label="Endpoint · model" className="cell max-w-[22rem] truncate" title={armLabel(r)}>
                  {armLabel(r)}
                  {r.hops > 0 ? (
                    <span className="block text-xs text-gray-600">
                      after {r.hops} failover{r.hops === 1 ? '' : 's'}: {r.hopErrors.join(', ')}
                    </span>
                  ) : null}
                </td>
                <td data-label="TTFT" className="cell text-right whitespace-nowrap tabular-nums">
                  {formatMs(r.ttftMs)}
                </td>
                <td data-label="Total" className="cell text-right whitespace-nowrap tabular-nums">
                  {formatMs(r.totalMs)}
                </td>
                <td data-label="Outcome" className="cell whitespace-nowrap uppercase">
                  {failed ? <span className="bg-black px-1 text-white">{outcomeLabel(r)}</span> : outcomeLabel(r)}
                </td>
                <td data-label="Rating" className="cell text-center font-bold whitespace-nowrap" aria-label={r.feedback ? `rated ${r.feedback}` : 'not rated'}>
                  {r.feedback === 'up' ? '▲ up' : r.feedback === 'down' ? '▼ down' : '—'}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/**
 * TELEMETRY: what the router did over the last day — requests, local share, error rate,
 * latency and TTFT per tier, cost, thumbs — and the last requests, one row each. Reloaded
 * whenever a generation ends and after a rating. Numbers only: the engine never stores
 * prompt or answer text.
 */
export function TelemetryPanel({ client, enabled, lastRating = null, onLoaded, className = '' }: TelemetryPanelProps) {
  const summaryQuery = useContractQuery(client, 'telemetry.summary', { windowHours: SUMMARY_WINDOW_HOURS }, { enabled })
  const recentQuery = useContractQuery(client, 'telemetry.recent', { limit: RECENT_ROWS }, { enabled })
  const reloadSummary = summaryQuery.reload
  const reloadRecent = recentQuery.reload
  // A generation ended (or was rated): the engine has recorded it.
  useEffect(() => {
    if (!enabled) return
    return client.on('chat.status', (s) => {
      if (!endsGeneration(s)) return
      // Reloads never reject: a failure shows as the panel's error line.
      void reloadSummary()
      void reloadRecent()
    })
  }, [client, enabled, reloadSummary, reloadRecent])
  useEffect(() => {
    if (!enabled || !lastRating) return
    // Reloads never reject: a failure shows as the panel's error line.
    void reloadSummary()
    void reloadRecent()
  }, [enabled, lastRating, reloadSummary, reloadRecent])

  // A rating is shown at once, before the reload brings it back from the engine.
  const { summary, rows } = withRating(summaryQuery.data, recentQuery.data?.rows ?? [], lastRating)
  const loading = summaryQuery.loading || recentQuery.loading
  const error = summaryQuery.error ?? recentQuery.error
  const loadedAt = summaryQuery.updatedAt
  // The telemetry bar at the top shows figures of the same load: no RPC of its own.
  const loadedSummary = summaryQuery.data
  const loadedRows = recentQuery.data?.rows
  useEffect(() => {
    if (loadedSummary && loadedRows) onLoaded?.(loadedSummary, loadedRows)
  }, [loadedSummary, loadedRows, onLoaded])

  return (
    <Panel
      title="Telemetry"
      className={className}
      actions={
        <>
          <span className="text-xs font-bold tracking-widest text-gray-300 uppercase">
            Last {SUMMARY_WINDOW_HOURS} h{loadedAt !== null ? ` · ${formatClock(loadedAt)}` : ''}
          </span>
          <button
            type="button"
            className="btn-bar"
            data-testid="telemetry-refresh"
            onClick={() => {
              // Reloads never reject: a failure shows as the panel's error line.
              void reloadSummary()
              void reloadRecent()
            }}
            disabled={!enabled || loading}
            aria-label="Refresh telemetry"
          >
            {loading ? 'Loading…' : 'Refresh'}
          </button>
        </>
      }
    >
      <div data-testid="telemetry-panel" className="flex flex-col gap-4" aria-busy={loading}>
        {error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="telemetry-error">
            ▲ Could not load telemetry: {error.message}
          </p>
        ) : null}
        {summary ? (
          <>
            <Summary summary={summary} />
            <div className="grid grid-cols-1 gap-4 lg:grid-cols-12">
              <div className="lg:col-span-7">
                <TierTable summary={summary} />
              </div>
              <div className="lg:col-span-5">
                <EndpointTable summary={summary} />
              </div>
            </div>
            {rows.length === 0 ? (
              <p className="border-2 border-dashed border-black p-3 text-sm" data-testid="telemetry-empty">
                No requests yet. Run a prompt: how it was routed, who answered, how fast and at what cost appear here.
              </p>
            ) : (
              <RecentTable rows={rows} />
            )}
          </>
        ) : !error ? (
          <p className="label">{enabled ? 'Loading telemetry…' : 'Not connected.'}</p>
        ) : null}
        <p className="text-xs text-gray-600">
          Numbers only, kept on this machine in <code>telemetry.db</code> in the data folder: no prompt or answer text is ever stored.{' '}
          <code>routellm stats</code> prints the same from a terminal.
        </p>
      </div>
    </Panel>
  )
}
