import { startTransition, useActionState, useEffect, useRef, useState } from 'react'
import type { CostSummary, DataFileProblem, EndpointStatus, EndpointsReport, NetworkStatus } from '../../../shared/health'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { formatClock, formatMs } from '../format'
import { useBudgetForm } from '../hooks/useBudgetForm'
import { anyCooling, cooldownEnded, cooldownLeftMs, formatCountdown, formatRate, isAlarm, offlineExplanation, offlineSwitchOn } from '../state/health'
import { CostSection } from './CostSection'
import { Panel } from './Panel'
import { Metric } from './Metric'

interface HealthPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  /** Every report as it arrives (load or pushed event), for the header and the Ollama panel. */
  onReport?: (report: EndpointsReport) => void
  /** Every cost summary as it arrives, for the telemetry bar. */
  onCost?: (cost: CostSummary) => void
  className?: string
}

function pair(p: EndpointStatus['latencyMs']): string {
  return p === null ? '—' : `${formatMs(p.p50)} / ${formatMs(p.p95)}`
}

const KEY_LABEL: Record<EndpointStatus['key'], string | null> = { set: 'key set', missing: 'key missing', unknown: 'key unknown', 'not-needed': null }

function StateBadge({ endpoint }: { endpoint: EndpointStatus }) {
  const alarm = isAlarm(endpoint.state)
  return (
    <strong
      data-testid={`health-state-${endpoint.id}`}
      data-state={endpoint.state}
      className={`shrink-0 px-2 py-0.5 text-sm font-black tracking-widest uppercase ${alarm ? 'bg-black text-white' : 'border-2 border-black'}`}
    >
      {alarm ? '▲ ' : '■ '}
      {endpoint.state}
    </strong>
  )
}

/** Damaged data files: what is wrong and what protection is in force until the user fixes them. */
function DataFileProblems({ problems }: { problems: readonly DataFileProblem[] }) {
  if (problems.length === 0) return null
  return (
    <ul role="alert" className="flex flex-col gap-2 border-4 border-black p-2 text-sm font-bold" data-testid="data-file-problems">
      {problems.map((p) => (
        <li key={p.file} data-testid={`data-file-problem-${p.file}`} className="break-words">
          ▲ {p.message}
        </li>
      ))}
    </ul>
  )
}

function EndpointRow({ endpoint: e, cooldownMs }: { endpoint: EndpointStatus; cooldownMs: number | null }) {
  const key = KEY_LABEL[e.key]
  const alarm = isAlarm(e.state)
  const cooling = cooldownMs !== null && cooldownMs > 0
  return (
    <li
      data-testid={`health-row-${e.id}`}
      data-state={e.state}
      className={`flex min-w-0 flex-col gap-3 p-3 ${alarm ? 'border-4 border-black' : 'border-2 border-black'}`}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="flex flex-wrap items-baseline gap-x-2">
            <span className="text-lg font-black break-all">{e.id}</span>
            {e.name.toLowerCase() !== e.id.toLowerCase() ? <span className="text-sm text-gray-600">{e.name}</span> : null}
          </p>
          <p className="mt-1 flex flex-wrap gap-1 text-xs font-bold tracking-widest uppercase">
            <span className="border-2 border-black px-1">{e.tier}</span>
            <span className="border-2 border-black px-1">{e.provider}</span>
            {key ? <span className={e.key === 'missing' ? 'bg-black px-1 text-white' : 'border-2 border-dashed border-black px-1'}>{key}</span> : null}
          </p>
        </div>
        <StateBadge endpoint={e} />
      </div>
      {e.reason && e.reason !== e.lastError?.message ? (
        <p className="text-sm font-bold break-words" data-testid={`health-reason-${e.id}`}>
          {e.reason}
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
        <Metric term="Error rate" testId={`health-error-rate-${e.id}`}>
          {formatRate(e.errorRate)}
          {e.samples > 0 ? <span className="ml-1 font-normal text-gray-600">of {e.samples}</span> : null}
        </Metric>
        <Metric term="Latency p50/p95">{pair(e.latencyMs)}</Metric>
        <Metric term="TTFT p50/p95">{pair(e.ttftMs)}</Metric>
        <Metric term="Cooldown" testId={`health-cooldown-${e.id}`}>
          {cooling ? (
            <span className="bg-black px-1 text-white">{formatCountdown(cooldownMs)}</span>
          ) : cooldownMs === 0 && e.state === 'open' ? (
            'probe due'
          ) : (
            '—'
          )}
        </Metric>
      </dl>
      {e.lastError ? (
        <div className="border-l-4 border-black bg-gray-100 px-2 py-1 text-sm" data-testid={`health-last-error-${e.id}`}>
          <p className="label">
            Last error · {e.lastError.error} · {formatClock(Date.parse(e.lastError.at))}
          </p>
          <p className="break-words">{e.lastError.message}</p>
        </div>
      ) : null}
      <p className="truncate text-xs text-gray-600" title={`${e.baseURL} · ${e.models.join(', ')}`}>
        {e.baseURL}
        {e.models.length > 0 ? ` · ${e.models.join(' · ')}` : ''}
      </p>
    </li>
  )
}

function NetworkSection({ network, busy, onToggle }: { network: NetworkStatus; busy: boolean; onToggle: (offline: boolean) => void }) {
  const on = offlineSwitchOn(network)
  const explained = offlineExplanation(network)
  const locked = network.cause === 'env'
  return (
    <div data-testid="network-status" data-offline={String(network.offline)} data-cause={network.cause ?? ''} className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="flex flex-wrap items-baseline gap-2">
          <span className="label">Network</span>
          <strong className={`px-2 text-lg font-black tracking-widest ${network.offline ? 'bg-black text-white' : 'border-2 border-black'}`}>
            {network.offline ? 'OFFLINE' : 'ONLINE'}
          </strong>
          {network.since ? <span className="label">since {formatClock(Date.parse(network.since))}</span> : null}
        </p>
        <button
          type="button"
          role="switch"
          aria-checked={on}
          data-testid="offline-toggle"
          disabled={busy || locked}
          title={locked ? 'ROUTELLM_OFFLINE is set on the host' : undefined}
          onClick={() => onToggle(!on)}
          className="group inline-flex items-stretch border-2 border-black text-xs font-bold tracking-widest uppercase select-none disabled:cursor-not-allowed disabled:border-dashed"
        >
          <span className="px-2 py-1 group-hover:underline">{busy ? 'Switching…' : 'Offline mode'}</span>
          <span aria-hidden="true" className={`border-l-2 border-black px-2 py-1 ${on ? 'text-gray-500' : 'bg-black text-white'}`}>
            off
          </span>
          <span aria-hidden="true" className={`border-l-2 border-black px-2 py-1 ${on ? 'bg-black text-white' : 'text-gray-500'}`}>
            on
          </span>
        </button>
      </div>
      {explained ? (
        <div role="status" className="on-dark bg-black p-3 text-white" data-testid="offline-explanation">
          <p className="font-black tracking-widest uppercase">▲ {explained.title}</p>
          <p className="mt-1 font-bold">{explained.headline}</p>
          <p className="mt-1 text-sm text-gray-200">{explained.cause}</p>
        </div>
      ) : (
        <p className="text-xs text-gray-600">Cloud endpoints are allowed. Turn offline mode on to keep every prompt on this machine.</p>
      )}
    </div>
  )
}

/**
 * ENDPOINTS · HEALTH and COST: every endpoint's circuit state and figures, live from the
 * engine's 'health.status' events, the offline switch, and spend against the budget caps.
 */
export function HealthPanel({ client, enabled, onReport, onCost, className = '' }: HealthPanelProps) {
  // The engine pushes each new report as a 'health.status' event; spend changes with it and when an answer ends.
  const health = useContractQuery(client, 'health.status', {}, { enabled, replaceOn: 'health.status' })
  const cost = useContractQuery(client, 'cost.summary', {}, { enabled, refreshOn: ['health.status'] })
  const [now, setNow] = useState(() => Date.now())
  const askedAfterCooldown = useRef<number | null>(null)
  const reloadHealth = health.reload
  const reloadCost = cost.reload
  // The parent hears exactly the report on screen, whichever way it arrived.
  useEffect(() => {
    if (health.data) onReport?.(health.data)
  }, [health.data, onReport])
  useEffect(() => {
    if (cost.data) onCost?.(cost.data)
  }, [cost.data, onCost])
  useEffect(() => {
    if (!enabled) return
    // There is no cost event: spend changes when an answer ends.
    // reloadCost never rejects: a failure shows in the cost panel's error line.
    return client.on('chat.status', (s) => {
      if (s.phase === 'done' || s.phase === 'error') void reloadCost()
    })
  }, [client, enabled, reloadCost])

  // Count cooldowns down once a second while one runs; when one ends, ask for the new state.
  const view = { report: health.data, receivedAt: health.updatedAt }
  const cooling = anyCooling(view, now)
  useEffect(() => {
    if (!cooling) return
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [cooling])
  const ended = cooldownEnded(view, now)
  useEffect(() => {
    if (!enabled || health.updatedAt === null || askedAfterCooldown.current === health.updatedAt || !ended) return
    askedAfterCooldown.current = health.updatedAt
    // reloadHealth never rejects: a failure shows as "Could not load endpoint health".
    void reloadHealth()
  }, [enabled, ended, health.updatedAt, reloadHealth])

  const [networkError, setOffline, networkBusy] = useActionState(async (_prev: ErrorReport | null, offline: boolean): Promise<ErrorReport | null> => {
    try {
      await client.call('network.setOffline', { offline })
      await reloadHealth()
      return null
    } catch (err) {
      return describeError(err)
    }
  }, null)

  const budget = useBudgetForm(client, cost.data, cost.replace)

  const report = health.data
  const alarms = report?.endpoints.filter((e) => isAlarm(e.state)).length ?? 0

  return (
    <div data-testid="health-and-cost" className={`grid grid-cols-1 content-start gap-4 lg:grid-cols-12 ${className}`}>
      <Panel
        title="Endpoints · health"
        className="lg:col-span-8"
        actions={
          <button
            type="button"
            className="btn-bar"
            data-testid="health-refresh"
            // Never rejects: a failure shows as "Could not load endpoint health".
            onClick={() => void reloadHealth({ refresh: true })}
            disabled={!enabled || health.loading}
            aria-label="Refresh endpoint health"
          >
            {health.loading ? 'Checking…' : 'Refresh'}
          </button>
        }
      >
        <div data-testid="health-panel" className="flex flex-col gap-4" aria-busy={health.loading}>
          {health.error ? (
            <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="health-error">
              ▲ Could not load endpoint health: {health.error.message}
            </p>
          ) : null}
          {networkError ? (
            <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="offline-error">
              ▲ Offline mode was not changed: {networkError.message}
            </p>
          ) : null}
          {report ? (
            <>
              <NetworkSection network={report.network} busy={networkBusy} onToggle={(offline) => startTransition(() => setOffline(offline))} />
              <DataFileProblems problems={report.problems ?? []} />
              {report.endpoints.length === 0 ? (
                <p className="border-2 border-dashed border-black p-3 text-sm" data-testid="health-empty">
                  No endpoints are configured. Start Ollama for local answers, and add a cloud endpoint in Settings (or set ROUTELLM_CLOUD_BASE_URL,
                  ROUTELLM_CLOUD_API_KEY and ROUTELLM_CLOUD_MODEL for the host).
                </p>
              ) : (
                <ul className="flex flex-col gap-3" data-testid="health-list" aria-live="polite">
                  {report.endpoints.map((e) => (
                    <EndpointRow key={e.id} endpoint={e} cooldownMs={cooldownLeftMs(e, health.updatedAt, now)} />
                  ))}
                </ul>
              )}
              <p className="label">
                {report.endpoints.length} endpoint{report.endpoints.length === 1 ? '' : 's'} ·{' '}
                {alarms === 0 ? 'all healthy' : `${alarms} need${alarms === 1 ? 's' : ''} attention`}
                {health.updatedAt !== null ? ` · updated ${formatClock(health.updatedAt)}` : ''}
              </p>
            </>
          ) : !health.error ? (
            <p className="label">{enabled ? 'Loading endpoint health…' : 'Not connected.'}</p>
          ) : null}
        </div>
      </Panel>
      <CostSection
        className="lg:col-span-4"
        summary={cost.data}
        loading={cost.loading}
        error={cost.error}
        form={budget.form}
        enabled={enabled}
        onChange={budget.change}
        onSave={budget.save}
        onReset={budget.reset}
        // Never rejects: a failure reaches the section as `error`.
        onRefresh={() => void reloadCost()}
      />
    </div>
  )
}
