import type { Tier } from '../../../shared/decision'
import { formatMs } from '../format'
import { useHeldStep } from '../hooks/useHeldStep'
import { phaseDurations, type RunPhase, type RunState } from '../state/dashboard'
import { pathwayColumns, routePath, shownPhase, visitedSteps, type PathNode } from '../state/pathway'

/** Each step stays on screen at least this long, however fast the engine was. */
export const STEP_HOLD_MS = 350

const TERMINAL: readonly RunPhase[] = ['done', 'error', 'aborted', 'simulated']

function PhaseSteps({ run, shown, visited }: { run: RunState; shown: number; visited: RunPhase[] }) {
  const columns = pathwayColumns(run)
  const ms = phaseDurations(run)
  const onScreen = visited.slice(0, shown + 1)
  const current = onScreen.at(-1)
  return (
    <ol className="flex flex-wrap items-stretch gap-y-2 text-xs font-bold tracking-widest uppercase" data-testid="pathway-steps">
      {columns.map((step, i) => {
        const reached = onScreen.includes(step)
        const here = step === current && !TERMINAL.includes(step)
        const skipped = !reached && TERMINAL.includes(current ?? 'idle')
        const measured = reached && (!here || TERMINAL.includes(step)) ? ms[step as keyof typeof ms] : undefined
        const cls = here
          ? 'path-step-in border-black bg-black text-white'
          : reached
            ? 'path-step-in border-black'
            : skipped
              ? 'border-dashed border-gray-300 text-gray-400 line-through'
              : 'border-dashed border-gray-400 text-gray-500'
        return (
          <li key={step} className="flex items-center" data-step={step} data-state={here ? 'current' : reached ? 'done' : skipped ? 'skipped' : 'pending'}>
            {i > 0 ? (
              <span aria-hidden="true" className={`path-link mx-1 w-4 sm:w-8 ${reached ? 'path-link-on' : ''} ${here ? 'path-link-live' : ''}`} />
            ) : null}
            <span className={`flex flex-col border-2 px-2 py-0.5 ${cls}`}>
              <span>{step}</span>
              <span className="text-[0.65rem] font-normal tabular-nums" data-testid={`pathway-ms-${step}`}>
                {measured !== undefined ? formatMs(measured) : here ? '…' : '\u00a0'}
              </span>
            </span>
          </li>
        )
      })}
    </ol>
  )
}

const TIER_LABEL: Record<Tier, string> = { local: 'LOCAL', cloud: 'CLOUD' }

function RouteNode({ node, live }: { node: PathNode; live: boolean }) {
  const mark = node.state === 'failed' ? '✕' : node.state === 'served' ? '■' : '□'
  const cls =
    node.state === 'served' ? 'border-black bg-black text-white' : node.state === 'failed' ? 'border-dashed border-black' : 'border-dashed border-black'
  return (
    <li className="flex items-center" data-testid="pathway-node" data-tier={node.tier} data-state={node.state}>
      <span aria-hidden="true" className={`path-link path-link-on mx-1 w-4 sm:w-8 ${live ? 'path-link-live' : ''}`} />
      <span className={`path-step-in flex flex-col border-2 px-2 py-0.5 ${cls}`} title={node.message ?? undefined}>
        <span className="font-black tracking-widest">
          {TIER_LABEL[node.tier]} {mark}
        </span>
        <span className="text-[0.65rem] font-normal normal-case">
          {node.state === 'failed' && node.error ? node.error : (node.model ?? node.endpoint ?? '')}
        </span>
      </span>
    </li>
  )
}

/**
 * The pathway: the engine's phases for the current prompt, each with its measured time and
 * held on screen long enough to be seen, and the path the prompt took to LOCAL or CLOUD,
 * failover hops included. Motion is CSS only and stops under prefers-reduced-motion. The
 * element with data-testid="status-line" holds the phase on screen (also in data-phase).
 */
export function Pathway({ run }: { run: RunState }) {
  const visited = visitedSteps(run)
  const shown = useHeldStep(visited.length - 1, STEP_HOLD_MS)
  const phase = shownPhase(run, visited, shown)
  const terminal = phase === 'error' || phase === 'aborted'
  const active = !TERMINAL.includes(phase) && phase !== 'idle'
  // The path appears once the router has decided and the routing step is on screen.
  const routed = run.mode === 'simulate' ? phase === 'simulated' : visited.indexOf('routing') !== -1 && shown >= visited.indexOf('routing')
  const path = routed ? routePath(run) : []
  return (
    <div className="flex flex-col gap-2 border-2 border-black px-3 py-2" data-testid="pathway">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <div role="status" aria-live="polite" className="flex items-baseline gap-2">
          <span className="label">Status</span>
          <strong
            data-testid="status-line"
            data-phase={phase}
            data-engine-phase={run.phase}
            className={`px-1 text-lg tracking-widest uppercase ${terminal ? 'bg-black text-white' : ''}`}
          >
            {phase}
          </strong>
          {active ? (
            <span aria-hidden="true" className="busy-blink text-lg">
              ▮
            </span>
          ) : null}
        </div>
        <div className="ml-auto">{run.mode !== null ? <PhaseSteps run={run} shown={shown} visited={visited} /> : null}</div>
      </div>
      {run.mode !== null ? (
        <div className="flex flex-wrap items-center gap-y-2 text-xs uppercase" data-testid="pathway-route" aria-label="Route taken">
          <span className="label mr-1">Path</span>
          <span className="border-2 border-black px-2 py-0.5 font-bold tracking-widest">Prompt</span>
          <span
            aria-hidden="true"
            className={`path-link mx-1 w-4 sm:w-8 ${routed || active ? 'path-link-on' : ''} ${active && !routed ? 'path-link-live' : ''}`}
          />
          <span className={`border-2 px-2 py-0.5 font-bold tracking-widest ${routed ? 'border-black' : 'border-dashed border-gray-400 text-gray-500'}`}>
            Router
          </span>
          <ol className="flex flex-wrap items-center gap-y-2">
            {path.map((node, i) => (
              <RouteNode key={`${node.tier}-${node.endpoint}-${i}`} node={node} live={active && i === path.length - 1} />
            ))}
          </ol>
        </div>
      ) : null}
    </div>
  )
}
