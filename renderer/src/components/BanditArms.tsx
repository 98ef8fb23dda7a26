import type { DashboardClient } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { formatClock } from '../format'
import { TableHead } from './TableHead'

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`)

/**
 * What the bandit has learned per arm and the value it ranks each by (under the reward weights
 * in force, so it follows a saved change of them). Loaded when the bandit section is opened.
 */
export function BanditArms({ client }: { client: DashboardClient }) {
  const arms = useContractQuery(client, 'bandit.arms', {}, { refreshOn: ['policy.changed'] })
  const data = arms.data
  return (
    <div className="flex flex-col gap-2 border-t-2 border-black pt-3" data-testid="bandit-arms" aria-busy={arms.loading}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h4 className="text-xs font-black tracking-[0.2em] uppercase">Arm values {data ? `· ${data.strategy}` : ''}</h4>
        <button
          type="button"
          className="btn btn-secondary px-2 py-0.5 text-xs"
          // Never rejects: a failure shows as "Could not read the arms".
          onClick={() => void arms.reload()}
          disabled={arms.loading}
          data-testid="bandit-arms-refresh"
        >
          {arms.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      {arms.error ? (
        <p role="alert" className="text-sm font-bold">
          ▲ Could not read the arms: {arms.error.message}
        </p>
      ) : null}
      {data && data.arms.length === 0 ? (
        <p className="text-sm">No arm has answered yet: every model starts equal, and the first answers teach the bandit.</p>
      ) : null}
      {data && data.arms.length > 0 ? (
        <table className="table-cards w-full border-collapse text-sm">
          <TableHead columns={['Arm', ...['Value', 'Pulls', 'Success', 'Mean reward'].map((label) => ({ label, numeric: true })), 'Thumbs', 'Last']} />
          <tbody>
            {data.arms.map((a) => (
              <tr key={`${a.endpoint}/${a.model}`} data-testid="bandit-arm" data-model={a.model}>
                <td className="cell font-bold" data-label="Arm">
                  {a.endpoint} · {a.model}
                </td>
                <td className="cell text-right tabular-nums" data-label="Value" data-testid="bandit-arm-value">
                  {a.value.toFixed(3)}
                </td>
                <td className="cell text-right tabular-nums" data-label="Pulls">
                  {a.pulls}
                </td>
                <td className="cell text-right tabular-nums" data-label="Success">
                  {a.pulls ? pct(a.successes / a.pulls) : '—'}
                </td>
                <td className="cell text-right tabular-nums" data-label="Mean reward">
                  {a.meanReward === null ? '—' : a.meanReward.toFixed(3)}
                </td>
                <td className="cell tabular-nums" data-label="Thumbs">
                  ▲{a.feedbackUp} ▼{a.feedbackDown}
                </td>
                <td className="cell" data-label="Last">
                  {a.lastAt ? formatClock(Date.parse(a.lastAt)) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  )
}
