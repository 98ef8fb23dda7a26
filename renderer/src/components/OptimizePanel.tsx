import { useCallback, useState } from 'react'
import type { OptimizeReport, ReplayFigures } from '../../../shared/optimize'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { formatMs } from '../format'
import { formatUsd } from '../state/health'
import { formatShare } from '../state/telemetry'
import { Panel } from './Panel'
import { TableHead } from './TableHead'

interface OptimizePanelProps {
  client: DashboardClient
  enabled: boolean
  className?: string
}

const AUDIT_ROWS = 10

/** One replayed figure, today beside proposed. */
function Pair({ label, today, proposed }: { label: string; today: string; proposed: string }) {
  return (
    <div className="flex gap-2">
      <dt className="font-bold text-gray-600">{label}</dt>
      <dd>
        {today} → <strong>{proposed}</strong>
      </dd>
    </div>
  )
}

function Replay({ today, proposed, testId }: { today: ReplayFigures; proposed: ReplayFigures; testId: string }) {
  return (
    <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs uppercase" data-testid={testId}>
      <Pair label="Local share" today={formatShare(today.localShare)} proposed={formatShare(proposed.localShare)} />
      <Pair label="Failed local" today={String(today.failedLocal)} proposed={String(proposed.failedLocal)} />
      <Pair label="Cost" today={formatUsd(today.costUsd)} proposed={formatUsd(proposed.costUsd)} />
      <Pair label="Mean latency" today={formatMs(today.meanLatencyMs)} proposed={formatMs(proposed.meanLatencyMs)} />
    </dl>
  )
}

/**
 * OPTIMIZE LOAD: what this machine's telemetry suggests changing in the policy, each change
 * with its reason, its evidence and its replay beside today's policy; Apply writes them as
 * one audited override, Revert puts the policy back as it was; the audit list shows who
 * changed the policy, when and why.
 */
export function OptimizePanel({ client, enabled, className }: OptimizePanelProps) {
  const [report, setReport] = useState<OptimizeReport | null>(null)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const [error, setError] = useState<ErrorReport | null>(null)
  // Any write of the override (here, the policy panel, the CLI of this host) refreshes the list.
  const auditQuery = useContractQuery(client, 'policy.audit', { limit: AUDIT_ROWS }, { enabled, refreshOn: ['policy.changed'] })
  const audit = auditQuery.data?.entries ?? []
  const reloadAudit = auditQuery.reload

  const act = useCallback(
    async (work: () => Promise<string | null>) => {
      setBusy(true)
      setError(null)
      try {
        const done = await work()
        if (done !== null) setMessage(done)
        setReport(await client.call('optimize.propose', {}))
        await reloadAudit()
      } catch (err) {
        setError(describeError(err))
      } finally {
        setBusy(false)
      }
    },
    [client, reloadAudit],
  )

  const onPropose = useCallback(
    () =>
      act(async () => {
        setMessage(null)
        return null
      }),
    [act],
  )

  const onApply = useCallback(
    () =>
      act(async () => {
        const result = await client.call('optimize.apply', {})
        return result.applied ? `Applied ${result.report.proposals.length} change(s).` : 'Nothing to apply.'
      }),
    [act, client],
  )

  const onRevert = useCallback(
    () =>
      act(async () => {
        await client.call('optimize.revert', {})
        return 'Reverted: the policy is back as it was before the last change by Optimize Load.'
      }),
    [act, client],
  )

  const hasOptimizeWrite = audit.some((e) => e.actor === 'optimize' && !e.reason.startsWith('revert '))

  return (
    <Panel title="Optimize Load" className={className}>
      <div className="flex flex-col gap-4" data-testid="optimize-panel">
        <p className="text-sm">
          Learns from what happened on this machine (thumbs, Retry in the cloud, stopped answers, latency, cost): small, bounded changes with their evidence,
          replayed on recent decisions before you apply them.
        </p>
        <div className="flex flex-wrap gap-3">
          {/* Each action goes through act, which never rejects: a failure shows in the alert line below. */}
          <button type="button" className="btn" data-testid="optimize-propose" disabled={!enabled || busy} onClick={() => void onPropose()}>
            Propose
          </button>
          <button type="button" className="btn" data-testid="optimize-apply" disabled={!enabled || busy || !report?.patch} onClick={() => void onApply()}>
            Apply
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="optimize-revert"
            disabled={!enabled || busy || !hasOptimizeWrite}
            onClick={() => void onRevert()}
          >
            Revert
          </button>
        </div>
        {message ? (
          <p className="text-sm font-bold" role="status" data-testid="optimize-message">
            {message}
          </p>
        ) : null}
        {(error ?? auditQuery.error) ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="optimize-error">
            {(error ?? auditQuery.error)?.message}
          </p>
        ) : null}
        {report ? (
          <div className="flex flex-col gap-3">
            <p className="label">
              {report.evidence.decisions} decisions since {new Date(report.evidence.since).toLocaleString()}
            </p>
            {report.proposals.length === 0 ? (
              <p className="text-sm" data-testid="optimize-none">
                Nothing to change: the evidence is within the guardrails.
              </p>
            ) : (
              <ul className="flex flex-col gap-2" data-testid="optimize-proposals">
                {report.proposals.map((p) => (
                  <li key={p.id} className="border-2 border-black p-2" data-testid="optimize-proposal" data-proposal={p.id} data-from={p.from} data-to={p.to}>
                    <p className="font-bold">
                      {p.kind === 'threshold' ? 'Threshold' : `Cluster "${p.cluster}" offset`}: {p.from} → {p.to}
                    </p>
                    <p className="text-sm break-words">{p.reason}</p>
                    <Replay today={p.replay.today} proposed={p.replay.proposed} testId="optimize-replay" />
                  </li>
                ))}
              </ul>
            )}
            {report.proposals.length > 1 ? <Replay today={report.replay.today} proposed={report.replay.proposed} testId="optimize-replay-all" /> : null}
            {report.notes.length > 0 ? (
              <ul className="list-inside list-disc text-xs text-gray-700">
                {report.notes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {audit.length > 0 ? (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[22rem] border-collapse text-sm" data-testid="optimize-audit">
              <TableHead columns={['When', 'Who', 'Why']} />
              <tbody>
                {audit.map((e) => (
                  <tr key={e.id} className="border-b-2 border-black" data-actor={e.actor}>
                    <td className="cell whitespace-nowrap">{new Date(e.at).toLocaleString()}</td>
                    <td className="cell font-bold uppercase">{e.actor}</td>
                    <td className="cell break-words">{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </Panel>
  )
}
