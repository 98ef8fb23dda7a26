import { formatMs } from '../format'
import { formatUsd } from '../state/health'
import { formatShare } from '../state/telemetry'
import { breakerCount, savedVsAllCloud, type BarInputs } from '../state/telemetry-bar'

function Figure({ term, value, testId, title }: { term: string; value: string; testId: string; title?: string }) {
  return (
    <div className="flex shrink-0 flex-col sm:min-w-0 sm:shrink" title={title}>
      <dt className="text-[0.65rem] font-bold tracking-widest text-gray-300 uppercase">{term}</dt>
      <dd data-testid={testId} className="truncate text-sm font-black tabular-nums">
        {value}
      </dd>
    </div>
  )
}

/**
 * Live figures at the top of the page: request rate, local share, TTFT per tier, error rate,
 * spend and savings, breakers. Everything comes from the panels' data and the event stream;
 * the detailed panels stay below.
 */
export function TelemetryBar({ summary, cost, health, perMinute }: BarInputs & { perMinute: number }) {
  const breakers = breakerCount(health)
  const saved = summary ? savedVsAllCloud(summary) : null
  return (
    <section aria-label="Live telemetry" data-testid="telemetry-bar" className="on-dark border-b-4 border-black bg-black px-4 py-2 text-white">
      {/* One scrolling row on phones, so the bar does not push the prompt down; a grid from sm up. */}
      <dl className="flex gap-x-6 gap-y-2 overflow-x-auto sm:grid sm:grid-cols-5 sm:overflow-visible lg:grid-cols-9">
        <Figure term="Req / min" testId="bar-rpm" value={String(perMinute)} title="Requests that ended in the last minute" />
        <Figure term="Local share" testId="bar-local-share" value={formatShare(summary?.localShare ?? null)} title="Last 24 h" />
        <Figure term="TTFT p50 local" testId="bar-ttft-local" value={formatMs(summary?.tiers.local.ttftMs?.p50)} />
        <Figure term="TTFT p50 cloud" testId="bar-ttft-cloud" value={formatMs(summary?.tiers.cloud.ttftMs?.p50)} />
        <Figure term="Error rate" testId="bar-error-rate" value={formatShare(summary?.errorRate ?? null)} title="Last 24 h, stopped requests excluded" />
        <Figure term="Spend today" testId="bar-spend" value={formatUsd(cost?.todayUsd ?? null)} />
        <Figure
          term="Saved vs cloud"
          testId="bar-saved"
          value={saved === null ? '—' : `≈${formatUsd(saved)}`}
          title="Local answers of the last 24 h priced at the average cost of its cloud answers"
        />
        <Figure term="Requests 24 h" testId="bar-requests" value={summary ? String(summary.requests) : '—'} />
        <Figure
          term="Breakers"
          testId="bar-breakers"
          value={
            breakers === null
              ? '—'
              : breakers.open + breakers.halfOpen === 0
                ? `all closed (${breakers.total})`
                : `${breakers.open} open · ${breakers.halfOpen} probing`
          }
        />
      </dl>
    </section>
  )
}
