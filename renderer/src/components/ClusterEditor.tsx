import { startTransition, useActionState, useId, useState } from 'react'
import type { ClusterSummary } from '../../../shared/clusters'
import { describeError, type DashboardClient } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { checkCluster, draftFromCluster, draftFromForm, EMPTY_CLUSTER, reembedded, type ClusterDraft } from '../state/cluster-form'
import type { FieldErrors } from '../state/policy-form'
import { DoneNote, FailedNote } from './ActionNote'
import { TableHead } from './TableHead'

const INPUT = 'w-full min-w-0 border-2 border-black bg-white px-2 py-1 font-mono text-sm aria-invalid:border-4'

interface EditorState {
  /** The form open: a new cluster, or the copy of one being edited (null: closed). */
  draft: ClusterDraft | null
  editing: boolean
  errors: FieldErrors
  message: string | null
  failure: string | null
  attempt: number
}

const CLOSED: EditorState = { draft: null, editing: false, errors: {}, message: null, failure: null, attempt: 0 }

type Intent =
  | { kind: 'open'; draft: ClusterDraft; editing: boolean }
  | { kind: 'edit'; id: string }
  | { kind: 'save'; form: FormData }
  | { kind: 'remove'; cluster: ClusterSummary }
  | { kind: 'close' }

function Field({ name, label, error, children }: { name: string; label: string; error?: string; children: (id: string) => React.ReactNode }) {
  const id = useId()
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-xs font-bold tracking-wider uppercase">
        {label}
      </label>
      {children(id)}
      {error ? (
        <p className="text-xs font-bold" data-testid={`cluster-error-${name}`}>
          ▲ {error}
        </p>
      ) : null}
    </div>
  )
}

/**
 * The semantic router's intent clusters: list, add, edit, delete (a default one is turned off,
 * and an edited default can be reset). Each change is checked with the contract's schema, saved
 * through clusters.*, and the pillar re-embeds the clusters before the answer comes back.
 */
export function ClusterEditor({ client }: { client: DashboardClient }) {
  const list = useContractQuery(client, 'clusters.list', {})
  const [filter, setFilter] = useState('')

  const [state, act, pending] = useActionState(async (prev: EditorState, intent: Intent): Promise<EditorState> => {
    const next = { ...prev, attempt: prev.attempt + 1, errors: {}, failure: null }
    try {
      switch (intent.kind) {
        case 'open':
          return { ...next, draft: intent.draft, editing: intent.editing, message: null }
        case 'close':
          return { ...CLOSED, message: prev.message, attempt: next.attempt }
        case 'edit':
          return { ...next, draft: draftFromCluster(await client.call('clusters.get', { id: intent.id })), editing: true, message: null }
        case 'save': {
          const draft = draftFromForm(intent.form)
          const checked = checkCluster(draft)
          if (!checked.ok) return { ...next, draft, errors: checked.errors }
          const change = await client.call('clusters.save', { cluster: checked.cluster })
          // reload never rejects: a failure shows as the list's error ("Could not list the clusters").
          void list.reload()
          return { ...CLOSED, attempt: next.attempt, message: `Saved ${checked.cluster.id}; ${reembedded(change.semantic)}.` }
        }
        case 'remove': {
          const change = await client.call('clusters.remove', { id: intent.cluster.id })
          // As after a save: a failed reload shows as the list's error.
          void list.reload()
          const what = intent.cluster.source === 'default' ? 'Turned off' : 'Deleted'
          return { ...CLOSED, attempt: next.attempt, message: `${what} ${intent.cluster.id}; ${reembedded(change.semantic)}.` }
        }
      }
    } catch (err) {
      return { ...next, failure: describeError(err).message }
    }
  }, CLOSED)

  // Buttons dispatch outside a form: inside a transition, as the action's pending state needs.
  const run = (intent: Intent) => startTransition(() => act(intent))
  const overview = list.data
  const shown = overview?.clusters.filter((c) => c.id.includes(filter.trim().toLowerCase()) || c.name.toLowerCase().includes(filter.trim().toLowerCase())) ?? []
  const draft = state.draft

  return (
    <div className="flex flex-col gap-3 border-t-2 border-black pt-3" data-testid="cluster-editor" aria-busy={list.loading || pending}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h4 className="text-xs font-black tracking-[0.2em] uppercase">
          Intent clusters {overview ? `· ${overview.clusters.length} · model ${overview.model}` : ''}
        </h4>
        <div className="flex flex-wrap gap-2">
          <input
            className={`${INPUT} w-40`}
            placeholder="filter"
            aria-label="Filter clusters"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            data-testid="cluster-filter"
          />
          <button
            type="button"
            className="btn px-3 py-1"
            disabled={!overview?.editable || pending}
            data-testid="cluster-add"
            onClick={() => run({ kind: 'open', draft: EMPTY_CLUSTER, editing: false })}
          >
            Add cluster
          </button>
        </div>
      </div>
      {list.error ? (
        <p role="alert" className="text-sm font-bold">
          ▲ Could not list the clusters: {list.error.message}
        </p>
      ) : null}
      {overview && !overview.editable ? <p className="text-xs text-gray-600">No user cluster file on this host: the shipped clusters are read-only.</p> : null}
      {state.message ? <DoneNote testId="cluster-saved">{state.message}</DoneNote> : null}
      {state.failure ? <FailedNote testId="cluster-failure">{state.failure}</FailedNote> : null}

      {draft ? (
        <form
          action={(form) => act({ kind: 'save', form })}
          noValidate
          className="flex flex-col gap-3 border-2 border-black p-3"
          aria-label="Cluster"
          data-testid="cluster-form"
        >
          <div key={state.attempt} className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
            <Field name="id" label="Id" error={state.errors.id}>
              {(id) => (
                <input
                  id={id}
                  name="id"
                  className={INPUT}
                  defaultValue={draft.id}
                  readOnly={state.editing}
                  aria-invalid={state.errors.id ? true : undefined}
                  data-testid="cluster-form-id"
                />
              )}
            </Field>
            <Field name="name" label="Name" error={state.errors.name}>
              {(id) => (
                <input
                  id={id}
                  name="name"
                  className={INPUT}
                  defaultValue={draft.name}
                  aria-invalid={state.errors.name ? true : undefined}
                  data-testid="cluster-form-name"
                />
              )}
            </Field>
            <Field name="tier" label="Tier" error={state.errors.tier}>
              {(id) => (
                <select id={id} name="tier" className={INPUT} defaultValue={draft.tier} data-testid="cluster-form-tier">
                  <option value="cloud">cloud</option>
                  <option value="local">local</option>
                </select>
              )}
            </Field>
            <Field name="threshold" label="Min similarity (empty: model default)" error={state.errors.threshold}>
              {(id) => (
                <input
                  id={id}
                  name="threshold"
                  className={INPUT}
                  defaultValue={draft.threshold}
                  inputMode="decimal"
                  aria-invalid={state.errors.threshold ? true : undefined}
                  data-testid="cluster-form-threshold"
                />
              )}
            </Field>
            <div className="sm:col-span-2 lg:col-span-4">
              <Field name="description" label="Description" error={state.errors.description}>
                {(id) => <input id={id} name="description" className={INPUT} defaultValue={draft.description} data-testid="cluster-form-description" />}
              </Field>
            </div>
            <div className="sm:col-span-2 lg:col-span-4">
              <Field name="utterances" label="Example prompts (one per line)" error={state.errors.utterances}>
                {(id) => (
                  <textarea
                    id={id}
                    name="utterances"
                    rows={5}
                    className={INPUT}
                    defaultValue={draft.utterances}
                    aria-invalid={state.errors.utterances ? true : undefined}
                    data-testid="cluster-form-utterances"
                  />
                )}
              </Field>
            </div>
          </div>
          <div className="flex flex-wrap gap-2">
            <button type="submit" className="btn px-3 py-1" disabled={pending} data-testid="cluster-form-save">
              {pending ? 'Saving and re-embedding…' : state.editing ? 'Save cluster' : 'Add cluster'}
            </button>
            <button type="button" className="btn btn-secondary px-3 py-1" disabled={pending} onClick={() => run({ kind: 'close' })}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}

      {overview ? (
        <table className="table-cards w-full border-collapse text-sm" data-testid="cluster-list">
          <TableHead columns={['Cluster', 'Tier', 'Source', { label: 'Prompts', numeric: true }, { label: 'Min sim.', numeric: true }, { label: 'Actions' }]} />
          <tbody>
            {shown.map((c) => (
              <tr key={c.id} data-testid={`cluster-row-${c.id}`}>
                <td className="cell" data-label="Cluster">
                  <span className="font-bold">{c.id}</span> <span className="text-gray-600">{c.name}</span>
                </td>
                <td className="cell" data-label="Tier">
                  {c.tier}
                </td>
                <td className="cell" data-label="Source">
                  {c.source}
                  {c.edited ? ' (edited)' : ''}
                </td>
                <td className="cell text-right tabular-nums" data-label="Prompts">
                  {c.utteranceCount}
                </td>
                <td className="cell text-right tabular-nums" data-label="Min sim.">
                  {c.effectiveThreshold}
                </td>
                <td className="cell" data-label="">
                  <span className="flex flex-wrap gap-1">
                    <button
                      type="button"
                      className="btn btn-secondary px-2 py-0.5 text-xs"
                      disabled={!overview.editable || pending}
                      onClick={() => run({ kind: 'edit', id: c.id })}
                      data-testid={`cluster-edit-${c.id}`}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="btn btn-secondary px-2 py-0.5 text-xs"
                      disabled={!overview.editable || pending}
                      onClick={() => run({ kind: 'remove', cluster: c })}
                      data-testid={`cluster-remove-${c.id}`}
                    >
                      {c.source === 'default' ? 'Turn off' : 'Delete'}
                    </button>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : list.loading ? (
        <p className="label">Loading the clusters…</p>
      ) : null}
    </div>
  )
}
