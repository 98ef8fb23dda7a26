import { useActionState, useMemo } from 'react'
import { describeError, type ErrorReport } from '../client'
import { toContractError } from '../client/errors'
import {
  checkPatch,
  errorFor,
  fieldText,
  mergePatch,
  patchFor,
  readPath,
  readSection,
  serverFieldErrors,
  type FieldErrors,
  type PolicyDoc,
} from '../state/policy-form'
import type { PolicySection } from '../state/policy-sections'
import { DoneNote } from './ActionNote'
import { PolicyField } from './PolicyField'

export interface PolicyEditing {
  /** The policy file's policy (defaults filled in): what the override is laid over. */
  base: unknown
  /** The override in force ({} when none). */
  patch: PolicyDoc
  /** The policy in force, as the fields show it. */
  view: unknown
  /** Paths that differ from the default policy. */
  changedPaths: ReadonlySet<string>
  /** Send the whole override; rejects with the engine's field errors. */
  save: (patch: PolicyDoc) => Promise<void>
  disabled: boolean
}

interface SectionState {
  errors: FieldErrors
  /** What was submitted, kept in the fields while they have errors. */
  values: Record<string, string> | null
  message: string | null
  failure: ErrorReport | null
  /** Bumped per submission: the fields remount with the values above. */
  attempt: number
}

const INITIAL: SectionState = { errors: {}, values: null, message: null, failure: null, attempt: 0 }

/** One accordion section as a form: checked with the policy schema here, then by the engine, errors by field. */
export function PolicySectionForm({ section, editing }: { section: PolicySection; editing: PolicyEditing }) {
  const { base, patch, view, changedPaths, save, disabled } = editing
  const specs = useMemo(() => section.fields(view), [section, view])

  const [state, submit, pending] = useActionState(async (prev: SectionState, form: FormData): Promise<SectionState> => {
    const values = Object.fromEntries(specs.map((s) => [s.path, s.kind === 'boolean' ? String(form.get(s.path) === 'on') : String(form.get(s.path) ?? '')]))
    const next = { ...INITIAL, attempt: prev.attempt + 1 }
    const read = readSection(specs, form, view)
    if (Object.keys(read.errors).length > 0) return { ...next, errors: read.errors, values }
    if (read.changed.size === 0) return { ...next, message: 'Nothing changed.' }
    const candidate = mergePatch(patch, patchFor(view, read.changed)) as PolicyDoc
    const checked = checkPatch(base, candidate)
    if (!checked.ok) return { ...next, errors: checked.errors, values }
    try {
      await save(candidate)
      return { ...next, message: `Saved ${read.changed.size} change${read.changed.size === 1 ? '' : 's'} as the policy override.` }
    } catch (err) {
      return { ...next, errors: serverFieldErrors(toContractError(err).issues), failure: describeError(err), values }
    }
  }, INITIAL)

  const claimed = (path: string) => specs.some((s) => path === s.path || path.startsWith(`${s.path}.`))
  const unplaced = Object.entries(state.errors).filter(([path]) => !claimed(path))

  return (
    <form action={submit} noValidate className="flex flex-col gap-3" aria-label={section.title} data-testid={`policy-form-${section.id}`}>
      <div key={state.attempt} className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {specs.map((spec) => (
          <PolicyField
            key={spec.path}
            spec={spec}
            text={state.values?.[spec.path] ?? fieldText(spec, readPath(view, spec.path))}
            changed={changedPaths.has(spec.path) || [...changedPaths].some((p) => p.startsWith(`${spec.path}.`))}
            error={errorFor(state.errors, spec.path)}
          />
        ))}
      </div>
      {unplaced.length > 0 || state.failure ? (
        <div role="alert" className="border-4 border-black p-2 text-sm" data-testid={`policy-failure-${section.id}`}>
          <p className="font-bold">▲ Not saved{state.failure ? `: ${state.failure.message}` : '.'}</p>
          {unplaced.map(([path, message]) => (
            <p key={path} className="font-mono">
              {path}: {message}
            </p>
          ))}
        </div>
      ) : null}
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" className="btn px-3 py-1" disabled={disabled || pending} data-testid={`policy-save-${section.id}`}>
          {pending ? 'Saving…' : `Save ${section.title.toLowerCase()}`}
        </button>
        {state.message ? <DoneNote testId={`policy-saved-${section.id}`}>{state.message}</DoneNote> : null}
      </div>
    </form>
  )
}
