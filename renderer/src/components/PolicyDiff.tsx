import type { PolicyDiffEntry } from '../../../shared/policy-contract'
import { TableHead } from './TableHead'

/** A policy value in one short cell: lists and objects by their size (the triggers are long). */
export function shortValue(value: unknown): string {
  if (Array.isArray(value)) return value.length <= 3 && value.every((v) => typeof v !== 'object') ? value.join(', ') : `[${value.length} items]`
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).length} keys}`
  if (value === undefined) return '—'
  return String(value)
}

const SOURCE = { override: 'override', 'policy-file': 'policy.json' } as const

/** What differs from the default policy, and whether the override or policy.json says so. */
export function PolicyDiff({ diff }: { diff: readonly PolicyDiffEntry[] }) {
  if (diff.length === 0) {
    return (
      <p className="text-sm" data-testid="policy-diff-empty">
        The defaults are in force: nothing differs.
      </p>
    )
  }
  return (
    <table className="table-cards w-full border-collapse text-sm" data-testid="policy-diff">
      <TableHead columns={['Field', 'Default', 'In force', 'Set by']} />
      <tbody>
        {diff.map((d) => (
          <tr key={d.path} data-testid={`policy-diff-${d.path}`} data-source={d.source}>
            <td className="cell font-bold break-all" data-label="Field">
              {d.path}
            </td>
            <td className="cell tabular-nums" data-label="Default">
              {shortValue(d.default)}
            </td>
            <td className="cell font-bold tabular-nums" data-label="In force">
              {shortValue(d.value)}
            </td>
            <td className="cell" data-label="Set by">
              {d.source === 'override' ? <span className="bg-black px-1 text-white">{SOURCE[d.source]}</span> : SOURCE[d.source]}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
