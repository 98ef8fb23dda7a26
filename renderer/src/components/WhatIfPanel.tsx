import { useCallback, useId, useRef, useState, type DragEvent } from 'react'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { formatScore } from '../format'
import { formatUsd } from '../state/health'
import { formatShare } from '../state/telemetry'
import {
  outcomeFigures,
  parsePrompts,
  pinnedByPrompt,
  priceFromPolicy,
  tierAt,
  whatIf,
  type CloudPrice,
  type OutcomeFigures,
  type Routed,
} from '../state/whatif'
import { Metric } from './Metric'
import { Panel } from './Panel'
import { TableHead } from './TableHead'

/** Decisions in flight at once: enough to keep the engine busy without queueing hundreds of requests. */
const CONCURRENCY = 4
/** Rows drawn in the per-prompt table; the figures always cover the whole batch. */
const TABLE_ROWS = 200
interface WhatIfPanelProps {
  client: DashboardClient
  enabled: boolean
  className?: string
}

/**
 * WHAT-IF: paste or drop a batch of prompts, route them once without generating anything,
 * then move the threshold and watch the split, the cost against all-cloud, the agreement
 * with labels and the per-prompt table follow, live, with no further engine calls.
 */
export function WhatIfPanel({ client, enabled, className }: WhatIfPanelProps) {
  const inputId = useId()
  const [text, setText] = useState('')
  const [routed, setRouted] = useState<Routed[]>([])
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null)
  const [threshold, setThreshold] = useState<number | null>(null)
  // The policy panel reads the same channel: one shared query, one call at load.
  const policy = useContractQuery(client, 'policy.get', {}, { enabled, refreshOn: ['policy.changed'] })
  const price = priceFromPolicy(policy.data?.effective)
  // What failed (routing the batch or reading a file) and why: one alert line.
  const [error, setError] = useState<{ failed: string; report: ErrorReport } | null>(null)
  const [skipped, setSkipped] = useState(0)
  const run = useRef(0)

  const onRoute = useCallback(async () => {
    const { items, skipped: bad } = parsePrompts(text)
    const mine = ++run.current
    setSkipped(bad)
    setError(null)
    setRouted([])
    if (items.length === 0) return
    setProgress({ done: 0, total: items.length })
    const out: Routed[] = new Array(items.length)
    let next = 0
    let done = 0
    const worker = async () => {
      while (next < items.length && run.current === mine) {
        const i = next++
        const item = items[i]!
        const decision = await client.call('route.decide', { prompt: item.prompt })
        out[i] = { item, decision }
        done++
        if (done % 10 === 0 || done === items.length) setProgress({ done, total: items.length })
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker))
      if (run.current !== mine) return
      setRouted(out)
      // The slider starts where the policy stands (every decision carries the threshold in force).
      setThreshold((t) => t ?? out[0]?.decision.threshold ?? null)
    } catch (err) {
      if (run.current === mine) setError({ failed: 'The batch could not be routed', report: describeError(err) })
    } finally {
      if (run.current === mine) setProgress(null)
    }
  }, [client, text])

  // A file the browser cannot read (moved, no permission) shows in the alert line instead of vanishing.
  const loadFile = useCallback(async (file: File) => {
    try {
      setText(await file.text())
    } catch (err) {
      setError({ failed: `${file.name} could not be read`, report: describeError(err) })
    }
  }, [])

  const onDrop = useCallback(
    (e: DragEvent<HTMLTextAreaElement>) => {
      const file = e.dataTransfer.files[0]
      if (!file) return
      e.preventDefault()
      void loadFile(file)
    },
    [loadFile],
  )

  const t = threshold ?? routed[0]?.decision.threshold ?? 0
  const figures = routed.length && price ? whatIf(routed, t, price) : null
  const outcomes = routed.length ? outcomeFigures(routed, t) : null
  const busy = progress !== null

  return (
    <Panel title="What-if · batch" className={className}>
      <div className="flex flex-col gap-4" data-testid="whatif-panel">
        <label htmlFor={inputId} className="label">
          Prompts: one per line, or JSONL with "prompt" (and "label": local | cloud, or "strong" and "weak" outcomes 0–1). Paste, or drop a file.
        </label>
        <textarea
          id={inputId}
          data-testid="whatif-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onDragOver={(e) => e.preventDefault()}
          onDrop={onDrop}
          rows={4}
          spellCheck={false}
          className="w-full resize-y border-2 border-black bg-white p-2 font-mono text-sm"
        />
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="button"
            className="btn"
            data-testid="whatif-route"
            disabled={!enabled || busy || text.trim() === ''}
            // onRoute never rejects: a failure goes to the alert line.
            onClick={() => void onRoute()}
          >
            {busy ? `Routing ${progress.done}/${progress.total}…` : 'Route batch'}
          </button>
          <input
            type="file"
            accept=".jsonl,.txt,.json,text/plain"
            aria-label="Load a prompts file"
            data-testid="whatif-file"
            className="text-xs file:mr-2 file:border-2 file:border-black file:bg-white file:px-2 file:py-1 file:font-bold file:uppercase"
            onChange={(e) => {
              const file = e.target.files?.[0]
              // loadFile never rejects: a read failure goes to the alert line.
              if (file) void loadFile(file)
            }}
          />
          {skipped > 0 ? (
            <span className="label">
              {skipped} line{skipped === 1 ? '' : 's'} skipped (not a prompt)
            </span>
          ) : null}
        </div>
        {error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="whatif-error">
            ▲ {error.failed}: {error.report.message}
          </p>
        ) : null}
        {figures ? (
          <>
            <div className="flex flex-wrap items-center gap-3">
              <label className="label" htmlFor={`${inputId}-t`}>
                Threshold
              </label>
              <input
                id={`${inputId}-t`}
                type="range"
                min={0}
                max={100}
                step={1}
                value={t}
                data-testid="whatif-threshold"
                onChange={(e) => setThreshold(Number(e.target.value))}
                className="w-64 accent-black"
              />
              <strong className="text-2xl font-black tabular-nums" data-testid="whatif-threshold-value">
                {t}
              </strong>
              {price ? <PriceLine price={price} /> : null}
            </div>
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
              <Metric term="Prompts" large>
                {figures.n}
              </Metric>
              <Metric term="Local" large testId="whatif-local">
                {figures.local}
              </Metric>
              <Metric term="Cloud" large testId="whatif-cloud">
                {figures.cloud}
              </Metric>
              <Metric term="Local share" large testId="whatif-local-share">
                {formatShare(figures.localShare)}
              </Metric>
              <Metric term="Cost vs all-cloud" large testId="whatif-cost" sub={`all-cloud ${formatUsd(figures.allCloudUsd)}`}>
                {formatUsd(figures.routedUsd)}
              </Metric>
              <Metric term="Saved" large testId="whatif-saved">
                {formatShare(figures.savedShare)}
              </Metric>
              <Metric
                term="Label agreement"
                large
                testId="whatif-accuracy"
                sub={figures.labelled ? `cloud recall ${formatShare(figures.cloudRecall)} · ${figures.labelled} labelled` : 'no labels in the file'}
              >
                {formatShare(figures.accuracy)}
              </Metric>
            </dl>
            {outcomes ? <OutcomeMetrics figures={outcomes} /> : null}
            <PromptTable routed={routed} threshold={t} />
          </>
        ) : null}
      </div>
    </Panel>
  )
}

function PriceLine({ price }: { price: CloudPrice }) {
  return (
    <p className="ml-auto text-xs text-gray-600" data-testid="whatif-price">
      All-cloud priced at ${price.inputPerMTok} in / ${price.outputPerMTok} out per Mtok, {price.outputTokens} answer tokens (policy · simulation; edit under
      Health and budgets).
    </p>
  )
}

/** The quality side, when the file carries each prompt's strong and weak outcome. */
function OutcomeMetrics({ figures }: { figures: OutcomeFigures }) {
  const pct = (v: number) => `${v.toFixed(1)}%`
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid="whatif-outcomes">
      <Metric term="APGR" large testId="whatif-apgr" sub={`${figures.n} prompts with outcomes · 0.5 ≈ random`}>
        {figures.apgr.toFixed(3)}
      </Metric>
      <Metric
        term="Quality at threshold"
        large
        testId="whatif-quality"
        sub={`cloud-only ${pct(figures.strongAccuracy)} · local-only ${pct(figures.weakAccuracy)}`}
      >
        {pct(figures.accuracyAt)}
      </Metric>
      <Metric term="Gap recovered" large testId="whatif-gap">
        {formatShare(figures.gapRecoveredAt)}
      </Metric>
      <Metric term="Cloud share for 50% gap" large testId="whatif-cpt50">
        {pct(figures.cpt50)}
      </Metric>
    </dl>
  )
}

function PromptTable({ routed, threshold }: { routed: Routed[]; threshold: number }) {
  return (
    <div className="max-h-96 overflow-auto">
      <table data-testid="whatif-table" className="table-cards w-full min-w-[40rem] border-collapse border-2 border-black text-sm">
        <caption className="label pb-1 text-left">Per prompt{routed.length > TABLE_ROWS ? ` (first ${TABLE_ROWS} of ${routed.length})` : ''}</caption>
        <TableHead columns={['#', 'Prompt', { label: 'Cx', numeric: true }, 'Pinned', 'Tier', 'Label']} />
        <tbody>
          {routed.slice(0, TABLE_ROWS).map((r, i) => {
            const tier = tierAt(r.decision, threshold)
            return (
              <tr key={i} data-testid="whatif-row" data-tier={tier}>
                <td data-label="#" className="cell tabular-nums">
                  {i + 1}
                </td>
                <td data-label="Prompt" className="cell max-w-[28rem] truncate" title={r.item.prompt}>
                  {r.item.prompt}
                </td>
                <td data-label="Complexity" className="cell text-right tabular-nums">
                  {formatScore(Math.round(r.decision.complexity * 10) / 10)}
                </td>
                <td data-label="Pinned" className="cell">
                  {r.decision.pinned === null ? '—' : pinnedByPrompt(r.decision) ? r.decision.pinned : `${r.decision.pinned} (ignored)`}
                </td>
                <td data-label="Tier" className="cell font-bold uppercase">
                  {tier === 'cloud' ? <span className="bg-black px-1 text-white">cloud</span> : 'local'}
                </td>
                <td data-label="Label" className={`cell uppercase ${r.item.label && r.item.label !== tier ? 'font-black' : ''}`}>
                  {r.item.label ? `${r.item.label}${r.item.label !== tier ? ' ✕' : ''}` : '—'}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
