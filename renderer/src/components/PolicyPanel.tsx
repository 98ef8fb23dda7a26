import { lazy, Suspense, useActionState, useCallback } from 'react'
import type { PolicyStatus } from '../../../shared/policy-contract'
import { ContractError } from '../../../shared/client'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { formatClock } from '../format'
import type { PolicyDoc } from '../state/policy-form'
import { formatThreshold, thresholdSource } from '../state/policy'
import { DoneNote, FailedNote } from './ActionNote'
import { Metric } from './Metric'
import { Panel } from './Panel'
import { PolicyDiff } from './PolicyDiff'

interface PolicyPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  className?: string
}

// The editors (Radix, the policy schemas and their default word lists) load after the first paint.
const PolicyAccordions = lazy(() => import('./PolicyAccordions').then((m) => ({ default: m.PolicyAccordions })))

const SOURCE_LABEL = { override: 'override', policy: 'policy.json', default: 'default' } as const

function judgeMode(judge: PolicyStatus['judge']): string {
  if (!judge.enabled) return 'off'
  return judge.when === 'always' ? 'always' : `uncertain ±${formatThreshold(judge.uncertainBand)}`
}

function RejectedFile({ error }: { error: NonNullable<PolicyStatus['lastError']> }) {
  return (
    <div role="alert" className="on-dark bg-black p-3 text-white" data-testid="policy-error">
      <p className="font-black tracking-widest uppercase">▲ Policy file rejected</p>
      <p className="mt-1 text-sm text-gray-200">The last good policy keeps routing until the file is fixed; it is reloaded as soon as it is saved.</p>
      {error.issues.length > 0 ? (
        <ul className="mt-2 flex flex-col gap-1 font-mono text-sm">
          {error.issues.map((issue, i) => (
            <li key={i} className="break-words">
              <strong>{issue.path || '(whole file)'}</strong>: {issue.message}
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-2 font-mono text-sm break-words">{error.message}</p>
      )}
    </div>
  )
}

/**
 * ROUTING POLICY: what is in force and where it comes from, every section of the policy in
 * accordions (saved as the policy override, never by rewriting policy.json), what differs
 * from the defaults, and one RESET back to the policy file.
 */
export function PolicyPanel({ client, enabled, className = '' }: PolicyPanelProps) {
  const policy = useContractQuery(client, 'policy.get', {}, { enabled, refreshOn: ['policy.changed'] })
  const { data: view, replace, reload } = policy

  const save = useCallback(
    async (patch: PolicyDoc) => {
      const result = await client.call('policy.saveOverride', { patch, replace: true, reason: 'dashboard: policy accordions' })
      if (!result.ok) throw new ContractError('The engine refused the override.', 'invalid-input', result.errors)
      replace(result.policy)
    },
    [client, replace],
  )

  const [reset, resetAction, resetting] = useActionState(
    async (): Promise<{ message: string | null; failure: ErrorReport | null }> => {
      try {
        const status = await client.call('policy.clearOverride', {})
        await reload()
        return { message: `Override cleared: back to the policy file (threshold ${formatThreshold(status.threshold)}).`, failure: null }
      } catch (err) {
        return { message: null, failure: describeError(err) }
      }
    },
    { message: null, failure: null },
  )

  const source = view ? thresholdSource(view) : null

  return (
    <Panel
      title="Routing policy"
      className={className}
      actions={
        <button
          type="button"
          className="btn-bar"
          data-testid="policy-refresh"
          // Never rejects: a failure shows as "Could not load the routing policy".
          onClick={() => void reload()}
          disabled={!enabled || policy.loading}
          aria-label="Reload the routing policy"
        >
          {policy.loading ? 'Loading…' : 'Refresh'}
        </button>
      }
    >
      <div data-testid="policy-panel" className="flex flex-col gap-4" aria-busy={policy.loading}>
        {policy.error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="policy-load-error">
            ▲ Could not load the routing policy: {policy.error.message}
          </p>
        ) : null}
        {view?.lastError ? <RejectedFile error={view.lastError} /> : null}
        {view && source ? (
          <>
            <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-6">
              <Metric term="Threshold in force">
                <span data-testid="policy-threshold" data-value={view.threshold} data-source={source} className="text-2xl font-black">
                  {formatThreshold(view.threshold)}
                </span>
                <span
                  className={`ml-2 px-1 text-xs tracking-widest uppercase ${source === 'override' ? 'bg-black text-white' : 'border-2 border-black'}`}
                  data-testid="policy-threshold-source"
                >
                  {SOURCE_LABEL[source]}
                </span>
              </Metric>
              <Metric term="Policy threshold">{formatThreshold(view.policyThreshold)}</Metric>
              <Metric term="Weights r / s / j" testId="policy-weights">
                {[view.weights.rules, view.weights.semantic, view.weights.judge].map(formatThreshold).join(' / ')}
              </Metric>
              <Metric term="Pooling" testId="policy-pooling">
                {view.pooling}
              </Metric>
              <Metric term="Judge" testId="policy-judge">
                {judgeMode(view.judge)}
              </Metric>
              <Metric term="Override set">{view.override?.createdAt ? formatClock(Date.parse(view.override.createdAt)) : '—'}</Metric>
            </dl>

            <Suspense fallback={<p className="label">Loading the policy editor…</p>}>
              <PolicyAccordions client={client} view={view} save={save} disabled={!enabled} />
            </Suspense>

            <section aria-label="Differences from the defaults" className="flex flex-col gap-2">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <h3 className="text-xs font-black tracking-[0.2em] uppercase">Differs from the defaults · {view.diff.length}</h3>
                <form action={resetAction}>
                  <button
                    type="submit"
                    className="btn btn-secondary px-3 py-1"
                    data-testid="policy-reset"
                    disabled={!enabled || resetting || view.patch === null}
                  >
                    {resetting ? 'Resetting…' : 'Reset to policy file'}
                  </button>
                </form>
              </div>
              {reset.message ? <DoneNote testId="policy-reset-done">{reset.message}</DoneNote> : null}
              {reset.failure ? <FailedNote testId="policy-action-error">The override was not cleared: {reset.failure.message}</FailedNote> : null}
              <PolicyDiff diff={view.diff} />
            </section>

            <p className="text-xs text-gray-600" data-testid="policy-apgr-note">
              Measure a threshold with <code>routellm eval</code> on outcome data: APGR is the share of the cloud model&apos;s quality gain the router recovers,
              averaged over every cloud share (0.5 = random routing, 1 = perfect).
            </p>
            <p className="text-xs break-all text-gray-600" data-testid="policy-file">
              <span className="label">Policy file</span> {view.policyFile}
              {view.policyFileExists ? '' : ' (not created: the defaults apply)'}
              {view.override ? (
                <>
                  {' · '}
                  <span className="label">Override</span> {view.overrideFile}
                  {view.override.note ? ` (${view.override.note})` : ''}
                </>
              ) : null}
            </p>
          </>
        ) : !policy.error ? (
          <p className="label">{enabled ? 'Loading the routing policy…' : 'Not connected.'}</p>
        ) : null}
      </div>
    </Panel>
  )
}
