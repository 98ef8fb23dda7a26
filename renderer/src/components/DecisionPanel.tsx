import type { ReactNode } from 'react'
import { complexityScored, type Decision } from '../../../shared/decision'
import { clampPercent, formatMs, formatScore } from '../format'
import type { RunState } from '../state/dashboard'
import { Panel } from './Panel'
import { TableHead } from './TableHead'

/**
 * Complexity 0–100 as a bar, with the threshold marked by a line that shows on both the
 * filled (black) and empty (white) part. SVG attributes, not inline styles, so the strict
 * CSP (no 'unsafe-inline' styles) holds.
 */
function ComplexityBar({ complexity, threshold }: { complexity: number; threshold: number }) {
  const c = clampPercent(complexity)
  const t = clampPercent(threshold)
  return (
    <div
      role="meter"
      aria-label="Complexity index"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={c}
      aria-valuetext={`${formatScore(c)} of 100, threshold ${formatScore(t)}`}
      className="flex flex-col gap-1"
    >
      {/* The bar spans y 3–13; the threshold marker sticks out above and below it. */}
      <svg viewBox="0 0 100 16" preserveAspectRatio="none" className="h-10 w-full overflow-visible" aria-hidden="true">
        <rect x="0" y="3" width="100" height="10" fill="#fff" />
        <rect x="0" y="3" width={c} height="10" fill="#000" />
        {[25, 50, 75].map((x) => (
          <line key={x} x1={x} x2={x} y1="10" y2="13" stroke={x <= c ? '#fff' : '#000'} strokeWidth="1" vectorEffect="non-scaling-stroke" />
        ))}
        <rect x="0" y="3" width="100" height="10" fill="none" stroke="#000" strokeWidth="2" vectorEffect="non-scaling-stroke" />
        <line x1={t} x2={t} y1="0" y2="16" stroke="#fff" strokeWidth="8" vectorEffect="non-scaling-stroke" />
        <line x1={t} x2={t} y1="0" y2="16" stroke="#000" strokeWidth="4" vectorEffect="non-scaling-stroke" />
      </svg>
      <div aria-hidden="true" className="flex justify-between text-xs text-gray-600">
        <span>0</span>
        <span>25</span>
        <span>50</span>
        <span>75</span>
        <span>100</span>
      </div>
    </div>
  )
}

function Field({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <dt className="label">{term}</dt>
      <dd data-testid={testId} className="truncate font-bold">
        {children}
      </dd>
    </div>
  )
}

function TraceTable({ trace }: { trace: Decision['trace'] }) {
  return (
    <div className="overflow-x-auto">
      <table data-testid="trace-table" className="table-cards w-full min-w-[36rem] border-collapse border-2 border-black text-sm">
        <caption className="label pb-1 text-left">Pillar trace</caption>
        <TableHead columns={['Pillar', 'Status', 'Score', 'Reason', 'ms']} />
        <tbody>
          {trace.length === 0 ? (
            <tr>
              <td className="cell text-gray-600" colSpan={5}>
                No pillar ran.
              </td>
            </tr>
          ) : (
            trace.map((v, i) => (
              <tr key={`${v.pillar}-${i}`} data-pillar={v.pillar} className={v.status === 'abstained' ? 'text-gray-600' : ''}>
                <th scope="row" className="cell font-bold uppercase">
                  {v.pillar}
                </th>
                <td data-label="Status" className="cell uppercase">
                  {v.status === 'short-circuit' ? <span className="bg-black px-1 text-white">{v.status}</span> : v.status}
                  {v.tier ? <span className="block text-xs">→ {v.tier}</span> : null}
                </td>
                <td data-label="Score" className="cell text-right tabular-nums">
                  {formatScore(v.score)}
                </td>
                <td data-label="Reason" className="cell break-words whitespace-pre-wrap">
                  {v.reason}
                </td>
                <td data-label="ms" className="cell text-right whitespace-nowrap tabular-nums">
                  {formatMs(v.ms)}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  )
}

/**
 * The tier that actually answered, next to the one the router chose: after a failover they
 * differ, and the decision alone would tell the wrong story.
 */
function ServedBox({ run }: { run: RunState }) {
  const s = run.servedBy
  const d = run.decision
  if (s === null || d === null || run.mode !== 'run') return null
  const failedOver = run.hops.length > 0 || s.tier !== d.tier
  const answered = run.phase === 'done'
  return (
    <div className="flex flex-col justify-center border-4 border-black px-4 py-2">
      <span className="label">{answered ? 'Served by' : run.phase === 'generating' ? 'Serving' : 'Last tried'}</span>
      <span data-testid="decision-served-tier" data-tier={s.tier} data-failover={String(failedOver)} className="text-3xl font-black tracking-[0.2em]">
        {s.tier.toUpperCase()}
      </span>
      {failedOver ? <span className="text-xs font-bold tracking-widest uppercase">after failover</span> : null}
    </div>
  )
}

/** Failed attempts before the arm that answered, in order. */
function HopList({ hops }: { hops: RunState['hops'] }) {
  if (hops.length === 0) return null
  return (
    <div className="flex flex-col gap-1">
      <span className="label">Failover hops</span>
      <ol data-testid="decision-hops" className="flex flex-col gap-1 text-sm">
        {hops.map((h, i) => (
          <li key={`${h.endpoint}-${h.model}-${i}`} data-testid="decision-hop" data-error={h.error} className="border-l-4 border-black pl-2 break-words">
            <span className="font-bold uppercase">
              {h.tier} ✕ {h.endpoint}
            </span>{' '}
            <span className="text-gray-600">({h.model})</span> · <span className="font-bold">{h.error}</span> · {h.message}
          </li>
        ))}
      </ol>
    </div>
  )
}

/** The routing decision: tier, model, complexity vs threshold, why, and every pillar's verdict. */
export function DecisionPanel({ run, className }: { run: RunState; className?: string }) {
  const d = run.decision
  // A pinned tier (a pinned gateway model, Retry in the cloud) ran only the privacy check: its 0 is no score.
  const scored = d !== null && complexityScored(d)
  const waiting = run.phase === 'simulating' || run.phase === 'starting' || run.phase === 'analyzing' || run.phase === 'routing'
  return (
    <Panel title={run.mode === 'simulate' ? 'Decision (simulated)' : 'Decision'} className={className}>
      {d === null ? (
        <p className="text-sm text-gray-600 uppercase">{waiting ? 'Deciding…' : 'No decision yet. Type a prompt, then ROUTE & RUN or SIMULATE.'}</p>
      ) : (
        <div className="flex flex-col gap-4">
          <div className="flex flex-wrap items-stretch gap-4">
            <div className="flex flex-col justify-center border-4 border-black bg-black px-4 py-2 text-white">
              <span className="text-xs tracking-widest text-gray-300 uppercase">{run.mode === 'run' && run.servedBy ? 'Routed to' : 'Tier'}</span>
              <span data-testid="decision-tier" data-tier={d.tier} className="text-3xl font-black tracking-[0.2em]">
                {d.tier.toUpperCase()}
              </span>
            </div>
            <ServedBox run={run} />
            <div className="flex flex-col justify-center border-4 border-black px-4 py-2">
              <span className="label">Complexity</span>
              {scored ? (
                <span className="text-3xl font-black tabular-nums">
                  <span data-testid="decision-complexity" data-value={d.complexity}>
                    {formatScore(d.complexity)}
                  </span>
                  <span className="text-base text-gray-600">/100</span>
                </span>
              ) : (
                <span data-testid="decision-complexity" data-value="not scored" className="text-xl font-black uppercase">
                  Not scored
                </span>
              )}
            </div>
            <dl className="grid min-w-[16rem] flex-1 grid-cols-2 gap-x-4 gap-y-2 text-sm">
              <Field term="Model" testId="decision-model">
                {d.model ?? 'none available'}
              </Field>
              <Field term="Endpoint">{d.endpoint ?? '—'}</Field>
              <Field term="Threshold" testId="decision-threshold">
                {formatScore(d.threshold)}
              </Field>
              <Field term="Pinned">{d.pinned ? d.pinned.toUpperCase() : 'NO'}</Field>
              <Field term="Decided in">{formatMs(d.ms)}</Field>
              <Field term="Decision id">
                <span className="font-normal">{d.id}</span>
              </Field>
            </dl>
          </div>
          {scored ? (
            <div className="flex flex-col gap-1">
              <div className="flex justify-between text-xs font-bold tracking-widest uppercase">
                <span>Complexity index</span>
                <span>
                  ┃ Threshold {formatScore(d.threshold)} ·{' '}
                  {d.complexity > d.threshold ? 'index above' : d.complexity === d.threshold ? 'index at' : 'index below'}
                </span>
              </div>
              <ComplexityBar complexity={d.complexity} threshold={d.threshold} />
            </div>
          ) : (
            <p data-testid="complexity-not-scored" className="border-4 border-dashed border-gray-500 px-3 py-2 text-sm">
              The tier was chosen for this prompt, so only the privacy check ran: no complexity index was computed.
            </p>
          )}
          <HopList hops={run.hops} />
          <div className="flex flex-col gap-1">
            <span className="label">Why</span>
            <p data-testid="decision-explanation" className="border-l-4 border-black pl-3 break-words whitespace-pre-wrap">
              {d.explanation}
            </p>
          </div>
          <TraceTable trace={d.trace} />
        </div>
      )}
    </Panel>
  )
}
