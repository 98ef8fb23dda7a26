import { useId, type FormEvent, type ReactNode } from 'react'
import { BudgetAction, type CostSummary } from '../../../shared/health'
import type { ErrorReport } from '../client'
import { capShare, formatUsd, type BudgetField, type BudgetForm } from '../state/health'
import { Panel } from './Panel'

interface CostSectionProps {
  summary: CostSummary | null
  loading: boolean
  error: ErrorReport | null
  form: BudgetForm
  enabled: boolean
  onChange: (field: BudgetField, value: string) => void
  onSave: () => void
  onReset: () => void
  onRefresh: () => void
  className?: string
}

const INPUT = 'w-full min-w-0 border-2 border-black bg-white px-2 py-1 font-mono text-sm placeholder:text-gray-500'

const CAP_FIELDS = [
  { field: 'daily', label: 'Daily cap' },
  { field: 'monthly', label: 'Monthly cap' },
] as const

const ACTION_LABEL: Record<BudgetAction, string> = {
  'route-local': 'Route cloud prompts local',
  refuse: 'Refuse cloud prompts with a message',
}

/** Spend against a cap as a bar (SVG attributes, not inline styles: the CSP forbids those). */
function CapBar({ label, share }: { label: string; share: number }) {
  return (
    <svg
      viewBox="0 0 100 10"
      preserveAspectRatio="none"
      className="h-3 w-full"
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(share)}
      aria-valuetext={`${Math.round(share)}% of the cap`}
    >
      <rect x="0" y="0" width="100" height="10" fill="#fff" />
      <rect x="0" y="0" width={share} height="10" fill="#000" />
      <rect x="0" y="0" width="100" height="10" fill="none" stroke="#000" strokeWidth="2" vectorEffect="non-scaling-stroke" />
    </svg>
  )
}

function Spend({ term, spent, cap, reached, testId }: { term: string; spent: number; cap: number | null; reached: boolean; testId: string }) {
  const share = capShare(spent, cap)
  return (
    <div className="flex min-w-0 flex-col gap-1" data-testid={testId} data-reached={String(reached)}>
      <div className="flex flex-wrap items-baseline justify-between gap-x-2">
        <span className="label">{term}</span>
        {reached ? <span className="bg-black px-1 text-xs font-black tracking-widest text-white uppercase">▲ cap reached</span> : null}
      </div>
      <p className="flex flex-wrap items-baseline gap-x-2">
        <strong className="text-2xl font-black tabular-nums">{formatUsd(spent)}</strong>
        <span className="text-sm text-gray-700">{cap === null ? 'no cap' : `of ${formatUsd(cap)} cap`}</span>
      </p>
      {share !== null ? (
        <CapBar label={`${term} spend against its cap`} share={share} />
      ) : (
        <div className="h-3 border-2 border-dashed border-gray-400" aria-hidden="true" />
      )}
    </div>
  )
}

function Field({
  id,
  label,
  error,
  hint,
  field,
  children,
}: {
  id: string
  label: string
  error: string | undefined
  hint: string
  field: BudgetField
  children: ReactNode
}) {
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="label">
        {label}
      </label>
      {children}
      {error ? (
        <p className="text-sm font-bold break-words" role="alert" data-testid={`budget-${field}-error`}>
          ▲ {error}
        </p>
      ) : (
        <p className="text-xs text-gray-600">{hint}</p>
      )}
    </div>
  )
}

/** Spend today and this month against the caps, and the form that sets the caps. */
export function CostSection({ summary, loading, error, form, enabled, onChange, onSave, onReset, onRefresh, className }: CostSectionProps) {
  const base = useId().replace(/:/g, '')
  const id = (field: BudgetField) => `${base}-${field}`
  const { draft, fieldErrors } = form

  function submit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault()
    onSave()
  }

  return (
    <Panel
      title="Cost"
      className={className}
      actions={
        <button type="button" className="btn-bar" data-testid="cost-refresh" onClick={onRefresh} disabled={!enabled || loading} aria-label="Refresh spend">
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      }
    >
      <div data-testid="cost-panel" className="flex flex-col gap-4" aria-busy={loading}>
        {error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="cost-error">
            ▲ Could not load the spend: {error.message}
          </p>
        ) : null}
        {summary ? (
          <>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
              <Spend term="Today" spent={summary.todayUsd} cap={summary.budget.dailyUsd} reached={summary.exceeded === 'daily'} testId="cost-today" />
              <Spend term="This month" spent={summary.monthUsd} cap={summary.budget.monthlyUsd} reached={summary.exceeded === 'monthly'} testId="cost-month" />
            </div>
            {summary.exceeded ? (
              <p role="alert" className="on-dark bg-black p-2 text-sm text-white" data-testid="cost-exceeded">
                <span className="font-black tracking-widest uppercase">▲ {summary.exceeded === 'daily' ? 'Daily' : 'Monthly'} cap reached. </span>
                {summary.budget.action === 'refuse'
                  ? 'Prompts that need the cloud are refused with a message until the cap resets or is raised.'
                  : 'Prompts that need the cloud are answered by a local model until the cap resets or is raised.'}
              </p>
            ) : null}
          </>
        ) : !error ? (
          <p className="label">{enabled ? 'Loading spend…' : 'Not connected.'}</p>
        ) : null}

        <form onSubmit={submit} className="flex flex-col gap-3 border-t-2 border-black pt-3" aria-label="Budget caps" noValidate>
          <p className="text-xs font-black tracking-[0.2em] uppercase">Budget caps (USD)</p>
          <div className="grid grid-cols-2 gap-3">
            {CAP_FIELDS.map(({ field, label }) => (
              <Field key={field} id={id(field)} field={field} label={label} error={fieldErrors[field]} hint="Empty = no cap">
                <input
                  id={id(field)}
                  data-testid={`budget-${field}-input`}
                  className={INPUT}
                  inputMode="decimal"
                  autoComplete="off"
                  placeholder="no cap"
                  value={draft[field]}
                  aria-invalid={fieldErrors[field] ? true : undefined}
                  onChange={(e) => onChange(field, e.target.value)}
                />
              </Field>
            ))}
          </div>
          <Field
            id={id('action')}
            field="action"
            label="When a cap is reached"
            error={fieldErrors.action}
            hint="Local answers cost nothing and are never capped."
          >
            <select id={id('action')} data-testid="budget-action" className={INPUT} value={draft.action} onChange={(e) => onChange('action', e.target.value)}>
              {BudgetAction.options.map((a) => (
                <option key={a} value={a}>
                  {ACTION_LABEL[a]}
                </option>
              ))}
            </select>
          </Field>
          {form.error ? (
            <p role="alert" className="border-4 border-black p-2 text-sm font-bold break-words" data-testid="budget-error">
              ▲ The caps were not saved: {form.error.message}
              {form.error.details.length > 0 ? <span className="block font-normal">{form.error.details.join('; ')}</span> : null}
            </p>
          ) : null}
          <div className="flex flex-wrap items-center gap-2">
            <button type="submit" className="btn px-3 py-1" data-testid="budget-save" disabled={!enabled || form.saving || summary === null}>
              {form.saving ? 'Saving…' : 'Save caps'}
            </button>
            {form.dirty ? (
              <button type="button" className="btn btn-secondary px-3 py-1" data-testid="budget-reset" onClick={onReset} disabled={form.saving}>
                Undo edits
              </button>
            ) : null}
            {form.message ? (
              <span role="status" className="text-sm font-bold" data-testid="budget-saved">
                ■ {form.message}
              </span>
            ) : null}
          </div>
        </form>
      </div>
    </Panel>
  )
}
