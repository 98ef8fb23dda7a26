import { startTransition, useActionState, useState } from 'react'
import type { EndpointsOverview } from '../../../shared/keys'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { draftFromEndpoint, draftToEndpoint, emptyDraft, type DraftField, type EndpointDraft, type FieldErrors } from '../state/settings'
import { SettingsEndpointForm } from './SettingsEndpointForm'
import { SettingsEndpointRow } from './SettingsEndpointRow'

interface OpenForm {
  mode: 'create' | 'update'
  draft: EndpointDraft
  /** Fields edited since the last save attempt: their old errors are hidden. */
  touched: ReadonlySet<DraftField>
}

interface SaveState {
  fieldErrors: FieldErrors
  error: ErrorReport | null
}

const CLEAN: SaveState = { fieldErrors: {}, error: null }

/** The endpoints: one row each, the presets not added yet, and the add/edit form (saved as a React action). */
export function SettingsEndpoints({ client, overview }: { client: DashboardClient; overview: EndpointsOverview }) {
  const [form, setForm] = useState<OpenForm | null>(null)
  const open = (mode: OpenForm['mode'], draft: EndpointDraft) => {
    setForm({ mode, draft, touched: new Set() })
    startTransition(() => save(null))
  }

  // Called with the form to save, or null to forget the last attempt's errors (a new form opened).
  const [saved, save, saving] = useActionState(async (_prev: SaveState, submitted: OpenForm | null): Promise<SaveState> => {
    if (submitted === null) return CLEAN
    const checked = draftToEndpoint(submitted.draft)
    if (!checked.ok) return { fieldErrors: checked.fieldErrors, error: null }
    try {
      await client.call('endpoints.save', { endpoint: checked.endpoint, mode: submitted.mode })
      setForm(null) // the list reloads on the engine's endpoints.changed event
      return CLEAN
    } catch (err) {
      return { fieldErrors: {}, error: describeError(err) }
    }
  }, CLEAN)

  const keychainWritable = overview.keychain.available
  const visibleErrors = form ? Object.fromEntries(Object.entries(saved.fieldErrors).filter(([field]) => !form.touched.has(field as DraftField))) : {}

  return (
    <>
      {overview.endpoints.length === 0 && overview.fromEnvironment.length === 0 ? (
        <p className="border-2 border-dashed border-black p-3 text-sm" data-testid="settings-empty">
          No cloud endpoints yet: prompts that need the cloud have nowhere to go. Add one below (a preset takes a minute), or import a routellm-keys.json.
        </p>
      ) : (
        <ul className="flex flex-col gap-3" data-testid="endpoint-list">
          {overview.endpoints.map((e) => (
            <SettingsEndpointRow
              key={e.id}
              client={client}
              endpoint={e}
              keychainWritable={keychainWritable}
              onEdit={() => open('update', draftFromEndpoint(e))}
            />
          ))}
        </ul>
      )}
      {form ? (
        <SettingsEndpointForm
          form={{ mode: form.mode, draft: form.draft, fieldErrors: visibleErrors, saving, error: saved.error }}
          onChange={(field: DraftField, value) =>
            setForm({ ...form, draft: { ...form.draft, [field]: value } as EndpointDraft, touched: new Set([...form.touched, field]) })
          }
          onSave={() => {
            const submitted = { ...form, touched: new Set<DraftField>() }
            setForm(submitted)
            startTransition(() => save(submitted))
          }}
          onCancel={() => setForm(null)}
        />
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <span className="label">Add</span>
          {overview.presets
            .filter((p) => !overview.endpoints.some((e) => e.id === p.id))
            .map((p) => (
              <button
                key={p.id}
                type="button"
                className="btn btn-secondary px-3 py-1"
                data-testid={`settings-preset-${p.id}`}
                onClick={() => open('create', draftFromEndpoint(p))}
              >
                {p.name}
              </button>
            ))}
          <button type="button" className="btn px-3 py-1" data-testid="settings-add" onClick={() => open('create', emptyDraft)}>
            Custom endpoint
          </button>
        </div>
      )}
    </>
  )
}
