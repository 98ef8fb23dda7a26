import { useCallback, useEffect, useId, useReducer, type FormEvent } from 'react'
import type { PolicyStatus } from '../../../shared/policy-contract'
import { describeError, type DashboardClient } from '../client'
import { onReconnect } from '../client/reconnect'
import { formatClock } from '../format'
import { formatThreshold, initialPolicy, parseThreshold, policyReducer, thresholdSource } from '../state/policy'
import { Panel } from './Panel'
import { Metric } from './Metric'

interface PolicyPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  className?: string
}

const INPUT = 'w-24 min-w-0 border-2 border-black bg-white px-2 py-1 font-mono text-sm'

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
 * ROUTING POLICY: the threshold in force and where it comes from, the pillars' weights, the
 * pooling and the judge's mode, why a policy file was rejected, and the threshold knob
 * (written as the threshold override; policy.json is never rewritten from here).
 */
export function PolicyPanel({ client, enabled, className = '' }: PolicyPanelProps) {
  const [state, dispatch] = useReducer(policyReducer, initialPolicy)
  const inputId = useId()

  const load = useCallback(async () => {
    dispatch({ type: 'policy/requested' })
    try {
      dispatch({ type: 'policy/succeeded', status: await client.call('policy.status', {}) })
    } catch (err) {
      dispatch({ type: 'policy/failed', error: describeError(err) })
    }
  }, [client])

  useEffect(() => {
    if (!enabled) return
    void load()
    return onReconnect(client, () => void load())
  }, [client, enabled, load])

  const onSave = useCallback(
    async (e: FormEvent) => {
      e.preventDefault()
      const checked = parseThreshold(state.draft)
      if (!checked.ok) return dispatch({ type: 'threshold/invalid', message: checked.message })
      dispatch({ type: 'threshold/saving' })
      try {
        const status = await client.call('policy.setThreshold', { threshold: checked.threshold })
        dispatch({ type: 'threshold/applied', status, message: `Threshold set to ${formatThreshold(status.threshold)}.` })
      } catch (err) {
        dispatch({ type: 'threshold/failed', error: describeError(err) })
      }
    },
    [client, state.draft],
  )

  const onReset = useCallback(async () => {
    dispatch({ type: 'threshold/resetting' })
    try {
      const status = await client.call('policy.clearOverride', {})
      dispatch({ type: 'threshold/applied', status, message: `Back to the policy's threshold (${formatThreshold(status.threshold)}).` })
    } catch (err) {
      dispatch({ type: 'threshold/failed', error: describeError(err) })
    }
  }, [client])

  const { status } = state
  const source = status ? thresholdSource(status) : null

  return (
    <Panel
      title="Routing policy"
      className={className}
      actions={
        <button type="button" className="btn-bar" data-testid="policy-refresh" onClick={() => void load()} disabled={!enabled || state.loading} aria-label="Reload the routing policy">
          {state.loading ? 'Loading…' : 'Refresh'}
        </button>
      }
    >
      <div data-testid="policy-panel" className="flex flex-col gap-4" aria-busy={state.loading}>
        {state.error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="policy-load-error">
            ▲ Could not load the routing policy: {state.error.message}
          </p>
        ) : null}
        {status?.lastError ? <RejectedFile error={status.lastError} /> : null}
        {status && source ? (
          <>
            <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-6">
              <Metric term="Threshold in force">
                <span data-testid="policy-threshold" data-value={status.threshold} data-source={source} className="text-2xl font-black">
                  {formatThreshold(status.threshold)}
                </span>
                <span className={`ml-2 px-1 text-xs tracking-widest uppercase ${source === 'override' ? 'bg-black text-white' : 'border-2 border-black'}`} data-testid="policy-threshold-source">
                  {SOURCE_LABEL[source]}
                </span>
              </Metric>
              <Metric term="Policy threshold">{formatThreshold(status.policyThreshold)}</Metric>
              <Metric term="Weights r / s / j" testId="policy-weights">
                {[status.weights.rules, status.weights.semantic, status.weights.judge].map(formatThreshold).join(' / ')}
              </Metric>
              <Metric term="Pooling" testId="policy-pooling">
                {status.pooling}
              </Metric>
              <Metric term="Judge" testId="policy-judge">
                {judgeMode(status.judge)}
              </Metric>
              <Metric term="Override set">{status.override?.createdAt ? formatClock(Date.parse(status.override.createdAt)) : '—'}</Metric>
            </dl>
            <p className="text-xs text-gray-600" data-testid="policy-apgr-note">
              Measure a threshold with <code>routellm eval</code> on outcome data: APGR is the share of the cloud model&apos;s quality gain the
              router recovers, averaged over every cloud share (0.5 = random routing, 1 = perfect).
            </p>
            <p className="text-xs break-all text-gray-600" data-testid="policy-file">
              <span className="label">Policy file</span> {status.policyFile}
              {status.policyFileExists ? '' : ' (not created: the defaults apply)'}
              {status.override ? (
                <>
                  {' · '}
                  <span className="label">Override</span> {status.overrideFile}
                  {status.override.note ? ` (${status.override.note})` : ''}
                </>
              ) : null}
            </p>
          </>
        ) : !state.error ? (
          <p className="label">{enabled ? 'Loading the routing policy…' : 'Not connected.'}</p>
        ) : null}

        <form onSubmit={(e) => void onSave(e)} className="flex flex-col gap-2 border-t-2 border-black pt-3" aria-label="Threshold" noValidate>
          <label htmlFor={inputId} className="text-xs font-black tracking-[0.2em] uppercase">
            Threshold (0–100)
          </label>
          <div className="flex flex-wrap items-center gap-2">
            <input
              id={inputId}
              data-testid="policy-threshold-input"
              className={INPUT}
              inputMode="decimal"
              autoComplete="off"
              value={state.draft}
              aria-invalid={state.fieldError ? true : undefined}
              aria-describedby={`${inputId}-hint`}
              onChange={(e) => dispatch({ type: 'threshold/changed', value: e.target.value })}
            />
            <button type="submit" className="btn px-3 py-1" data-testid="policy-threshold-save" disabled={!enabled || state.busy !== null || status === null}>
              {state.busy === 'saving' ? 'Saving…' : 'Save threshold'}
            </button>
            <button
              type="button"
              className="btn btn-secondary px-3 py-1"
              data-testid="policy-reset"
              onClick={() => void onReset()}
              disabled={!enabled || state.busy !== null || !status?.override}
            >
              {state.busy === 'resetting' ? 'Resetting…' : 'Reset to policy'}
            </button>
            {state.message ? (
              <span role="status" className="text-sm font-bold" data-testid="policy-saved">
                ■ {state.message}
              </span>
            ) : null}
          </div>
          {state.fieldError ? (
            <p className="text-sm font-bold" data-testid="policy-threshold-error">
              ▲ {state.fieldError}
            </p>
          ) : null}
          {state.actionError ? (
            <p role="alert" className="border-4 border-black p-2 text-sm font-bold break-words" data-testid="policy-action-error">
              ▲ The threshold was not changed: {state.actionError.message}
            </p>
          ) : null}
          <p id={`${inputId}-hint`} className="text-xs text-gray-600">
            Prompts whose complexity index is above the threshold go to the cloud. Lower sends more to the cloud, higher keeps more on this machine. The next decision uses it.
          </p>
        </form>
      </div>
    </Panel>
  )
}
