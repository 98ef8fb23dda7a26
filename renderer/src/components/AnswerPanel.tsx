import { useLayoutEffect, useRef, type ReactNode } from 'react'
import { formatMs } from '../format'
import type { RunState } from '../state/dashboard'
import { outcomeSentence } from '../state/pathway'
import { Panel } from './Panel'

/** The streamed answer, whitespace preserved, kept scrolled to the end while it grows; `feedback` (the thumbs) goes under it. */
export function AnswerPanel({ run, className, feedback }: { run: RunState; className?: string; feedback?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  const streaming = run.phase === 'generating'

  useLayoutEffect(() => {
    const el = ref.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [run.answer])

  function onScroll(): void {
    const el = ref.current
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24
  }

  const placeholder =
    run.mode === 'simulate'
      ? 'Simulation only: nothing was generated.'
      : run.phase === 'idle'
        ? 'The answer streams here.'
        : run.answer === '' && (run.phase === 'starting' || run.phase === 'analyzing' || run.phase === 'routing' || run.phase === 'generating')
          ? 'Waiting for the first token…'
          : run.answer === ''
            ? 'No answer.'
            : null

  const s = run.servedBy
  const u = run.usage
  const outcome = outcomeSentence(run)
  return (
    <Panel title="Answer" className={className} bodyClassName="flex flex-col">
      <div
        ref={ref}
        onScroll={onScroll}
        role="region"
        aria-label="Answer text"
        aria-busy={streaming}
        tabIndex={0}
        className="relative max-h-[60vh] min-h-48 flex-1 overflow-auto p-4"
      >
        {placeholder !== null ? <p className="text-sm text-gray-600 uppercase">{placeholder}</p> : null}
        <div
          data-testid="answer"
          data-request-id={run.requestId ?? undefined}
          className={`font-mono leading-relaxed break-words whitespace-pre-wrap ${streaming ? "after:busy-blink after:content-['▮']" : ''}`}
        >
          {run.answer}
        </div>
        {run.phase === 'aborted' ? <p className="label mt-2">[stopped by user]</p> : null}
      </div>
      {outcome !== null ? (
        <p data-testid="answer-outcome" data-failover={String(run.hops.length > 0)} className="border-t-2 border-black px-4 py-2 text-sm font-bold break-words">
          {outcome}
        </p>
      ) : null}
      {s || u ? (
        <dl className="flex flex-wrap gap-x-6 gap-y-1 border-t-2 border-black px-4 py-2 text-xs uppercase" data-testid="served-by">
          {s ? (
            <>
              <div className="flex gap-2">
                <dt className="font-bold text-gray-600">Served by</dt>
                <dd className="font-bold">{s.tier}</dd>
              </div>
              <div className="flex min-w-0 gap-2">
                <dt className="font-bold text-gray-600">Model</dt>
                <dd className="truncate font-bold normal-case">{s.model}</dd>
              </div>
              <div className="flex min-w-0 gap-2">
                <dt className="font-bold text-gray-600">Endpoint</dt>
                <dd className="truncate normal-case">{s.endpoint}</dd>
              </div>
            </>
          ) : null}
          {u ? (
            <>
              <div className="flex gap-2">
                <dt className="font-bold text-gray-600">TTFT</dt>
                <dd>{formatMs(u.ttftMs)}</dd>
              </div>
              <div className="flex gap-2">
                <dt className="font-bold text-gray-600">Total</dt>
                <dd>{formatMs(u.totalMs)}</dd>
              </div>
              <div className="flex gap-2">
                <dt className="font-bold text-gray-600">Tokens in/out</dt>
                <dd>
                  {u.inputTokens}/{u.outputTokens}
                </dd>
              </div>
            </>
          ) : null}
        </dl>
      ) : null}
      {feedback}
    </Panel>
  )
}
