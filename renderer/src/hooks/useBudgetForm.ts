import { startTransition, useActionState, useState } from 'react'
import type { CostSummary } from '../../../shared/health'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { budgetDraftFrom, emptyBudgetDraft, parseBudgetDraft, type BudgetDraft, type BudgetField, type BudgetForm } from '../state/health'

interface SaveResult {
  fieldErrors: BudgetForm['fieldErrors']
  error: ErrorReport | null
  message: string | null
}

const NOTHING: SaveResult = { fieldErrors: {}, error: null, message: null }

/**
 * The budget caps form: it shows the engine's caps until the user types, is checked with the
 * contract's schema, and is saved as a React action (cost.setBudget); the engine's answer
 * becomes the cost summary on screen. A field's old error goes as soon as it is edited.
 */
export function useBudgetForm(client: DashboardClient, summary: CostSummary | null, onSaved: (summary: CostSummary) => void) {
  const [typed, setTyped] = useState<BudgetDraft | null>(null)
  const [touched, setTouched] = useState<ReadonlySet<BudgetField>>(new Set())
  const [result, submit, saving] = useActionState(async (_prev: SaveResult, draft: BudgetDraft | null): Promise<SaveResult> => {
    if (draft === null) return NOTHING
    const checked = parseBudgetDraft(draft)
    if (!checked.ok) return { ...NOTHING, fieldErrors: checked.fieldErrors }
    try {
      onSaved(await client.call('cost.setBudget', checked.budget))
      setTyped(null)
      return { ...NOTHING, message: 'Caps saved.' }
    } catch (err) {
      return { ...NOTHING, error: describeError(err) }
    }
  }, NOTHING)

  const draft = typed ?? (summary ? budgetDraftFrom(summary.budget) : emptyBudgetDraft)
  // The cross-field message sits on "daily" but is about both fields.
  const hidden = (field: BudgetField) => touched.has(field) || (field === 'daily' && touched.has('monthly'))
  const fresh = touched.size === 0
  const form: BudgetForm = {
    draft,
    dirty: typed !== null,
    fieldErrors: Object.fromEntries(Object.entries(result.fieldErrors).filter(([field]) => !hidden(field as BudgetField))),
    saving,
    error: fresh ? result.error : null,
    message: fresh ? result.message : null,
  }
  return {
    form,
    change: (field: BudgetField, value: string) => {
      setTyped({ ...draft, [field]: value } as BudgetDraft)
      setTouched(new Set([...touched, field]))
    },
    save: () => {
      setTouched(new Set())
      startTransition(() => submit(draft))
    },
    /** Throw away the edits: the form shows the engine's caps again. */
    reset: () => {
      setTyped(null)
      setTouched(new Set())
      startTransition(() => submit(null))
    },
  }
}
