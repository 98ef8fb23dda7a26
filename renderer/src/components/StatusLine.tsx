import type { RunPhase, RunState } from '../state/dashboard'

const RUN_STEPS: readonly RunPhase[] = ['analyzing', 'routing', 'generating', 'done']
const SIMULATE_STEPS: readonly RunPhase[] = ['simulating', 'simulated']

function stepsFor(run: RunState): readonly RunPhase[] {
  if (run.mode === 'simulate') return run.phase === 'error' ? ['simulating', 'error'] : SIMULATE_STEPS
  if (run.phase === 'error' || run.phase === 'aborted') return [...RUN_STEPS.slice(0, 3), run.phase]
  return RUN_STEPS
}

/**
 * The engine's phase for the current prompt. The element with data-testid="status-line"
 * holds only the phase word (lowercase in the DOM, shown uppercase), also in data-phase.
 */
export function StatusLine({ run }: { run: RunState }) {
  const steps = stepsFor(run)
  const current = steps.indexOf(run.phase)
  const active = run.phase === 'starting' || (current >= 0 && current < steps.length - 1 && run.phase !== 'simulated')
  const terminal = run.phase === 'error' || run.phase === 'aborted'
  // For a run that failed or was stopped, only the steps it actually reached count as done.
  const reached = terminal ? steps.indexOf(run.progress) : current - 1
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-2 border-black px-3 py-2">
      <div role="status" aria-live="polite" className="flex items-baseline gap-2">
        <span className="label">Status</span>
        <strong
          data-testid="status-line"
          data-phase={run.phase}
          className={`px-1 text-lg tracking-widest uppercase ${terminal ? 'bg-black text-white' : ''}`}
        >
          {run.phase}
        </strong>
        {active ? (
          <span aria-hidden="true" className="busy-blink text-lg">
            ▮
          </span>
        ) : null}
      </div>
      <ol aria-hidden="true" className="ml-auto flex flex-wrap items-center gap-1 text-xs font-bold tracking-widest uppercase">
        {steps.map((step, i) => {
          const here = current === i
          const done = !here && (i <= reached || (current === i && !active))
          const cls = here
            ? 'border-black bg-black text-white'
            : done
              ? 'border-black text-black'
              : 'border-dashed border-gray-400 text-gray-500'
          return (
            <li key={step} className="flex items-center gap-1">
              {i > 0 ? <span className={i <= reached + 1 && current >= 0 ? 'text-black' : 'text-gray-400'}>→</span> : null}
              <span className={`border-2 px-2 py-0.5 ${cls}`}>{step}</span>
            </li>
          )
        })}
      </ol>
    </div>
  )
}
