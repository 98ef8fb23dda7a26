import { useId, type FormEvent, type ReactNode } from 'react'
import { ProviderKind } from '../../../shared/endpoints'
import type { ErrorReport } from '../client'
import type { DraftField, EndpointDraft, FieldErrors } from '../state/settings'

/** The form as drawn: the draft, the errors of the last save attempt, and whether one is in flight. */
export interface EndpointFormView {
  mode: 'create' | 'update'
  draft: EndpointDraft
  fieldErrors: FieldErrors
  saving: boolean
  error: ErrorReport | null
}

interface SettingsEndpointFormProps {
  form: EndpointFormView
  onChange: (field: DraftField, value: string | boolean) => void
  onSave: () => void
  onCancel: () => void
}

const INPUT = 'w-full border-2 border-black bg-white px-2 py-1 font-mono text-sm placeholder:text-gray-500'
/** The id of a saved endpoint is its keychain account: shown, not editable. */
const FIXED_INPUT = 'w-full border-2 border-dashed border-black bg-gray-100 px-2 py-1 font-mono text-sm'

function Field({
  label,
  hint,
  error,
  children,
  id,
  field,
}: {
  label: string
  hint?: string
  error: string | undefined
  children: ReactNode
  id: string
  field: DraftField
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="label">
        {label}
      </label>
      {children}
      {error ? (
        <p className="text-sm font-bold" data-testid={`endpoint-form-error-${field}`}>
          ▲ {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-gray-600">{hint}</p>
      ) : null}
    </div>
  )
}

/** Add or edit one endpoint. Nothing secret here: the key is set on the endpoint's row. */
export function SettingsEndpointForm({ form, onChange, onSave, onCancel }: SettingsEndpointFormProps) {
  const base = useId().replace(/:/g, '')
  const id = (field: DraftField) => `${base}-${field}`
  const { draft, fieldErrors } = form
  const editing = form.mode === 'update'

  function submit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault()
    onSave()
  }

  return (
    <form
      onSubmit={submit}
      data-testid="endpoint-form"
      className="flex flex-col gap-3 border-4 border-black p-3 shadow-brutal"
      aria-label={editing ? `Edit endpoint ${draft.id}` : 'Add an endpoint'}
    >
      <p className="text-sm font-black tracking-[0.2em] uppercase">{editing ? `Edit ${draft.id}` : 'Add an endpoint'}</p>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
        <Field
          id={id('id')}
          field="id"
          label="Id"
          hint="Lowercase letters, digits, dashes. Names the key in the keychain; fixed once saved."
          error={fieldErrors.id}
        >
          <input
            id={id('id')}
            data-testid="endpoint-form-id"
            className={editing ? FIXED_INPUT : INPUT}
            value={draft.id}
            readOnly={editing}
            onChange={(e) => onChange('id', e.target.value)}
            spellCheck={false}
          />
        </Field>
        <Field id={id('name')} field="name" label="Name" error={fieldErrors.name}>
          <input id={id('name')} data-testid="endpoint-form-name" className={INPUT} value={draft.name} onChange={(e) => onChange('name', e.target.value)} />
        </Field>
        <Field id={id('provider')} field="provider" label="Provider" error={fieldErrors.provider}>
          <select
            id={id('provider')}
            data-testid="endpoint-form-provider"
            className={INPUT}
            value={draft.provider}
            onChange={(e) => onChange('provider', e.target.value)}
          >
            {ProviderKind.options.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id={id('tier')}
          field="tier"
          label="Tier"
          hint="local: your own machine or network. cloud: paid, used when a prompt needs it."
          error={fieldErrors.tier}
        >
          <select id={id('tier')} data-testid="endpoint-form-tier" className={INPUT} value={draft.tier} onChange={(e) => onChange('tier', e.target.value)}>
            <option value="cloud">cloud</option>
            <option value="local">local</option>
          </select>
        </Field>
        <div className="md:col-span-2">
          <Field
            id={id('baseURL')}
            field="baseURL"
            label="Base URL"
            hint="OpenAI-compatible, usually ending in /v1. Never put a key in it."
            error={fieldErrors.baseURL}
          >
            <input
              id={id('baseURL')}
              data-testid="endpoint-form-baseURL"
              className={INPUT}
              value={draft.baseURL}
              onChange={(e) => onChange('baseURL', e.target.value)}
              placeholder="https://api.example.com/v1"
              spellCheck={false}
              inputMode="url"
            />
          </Field>
        </div>
        <Field id={id('models')} field="models" label="Models" hint="One per line; the first is the default." error={fieldErrors.models}>
          <textarea
            id={id('models')}
            data-testid="endpoint-form-models"
            className={INPUT}
            rows={3}
            value={draft.models}
            onChange={(e) => onChange('models', e.target.value)}
            spellCheck={false}
          />
        </Field>
        <Field
          id={id('prices')}
          field="prices"
          label="Prices ($ per million tokens)"
          hint='One per line: "model input output", e.g. "gpt-4o-mini 0.15 0.6".'
          error={fieldErrors.prices}
        >
          <textarea
            id={id('prices')}
            data-testid="endpoint-form-prices"
            className={INPUT}
            rows={3}
            value={draft.prices}
            onChange={(e) => onChange('prices', e.target.value)}
            spellCheck={false}
          />
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm font-bold">
        <input
          type="checkbox"
          data-testid="endpoint-form-enabled"
          className="size-4 accent-black"
          checked={draft.enabled}
          onChange={(e) => onChange('enabled', e.target.checked)}
        />
        Enabled (the router may use it)
      </label>
      {form.error ? (
        <div role="alert" data-testid="endpoint-form-failure" className="border-l-4 border-black pl-2 text-sm">
          <p className="font-bold">{form.error.message}</p>
          {form.error.details.map((d, i) => (
            <p key={i}>{d}</p>
          ))}
        </div>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="btn" data-testid="endpoint-form-save" disabled={form.saving}>
          {form.saving ? 'Saving…' : editing ? 'Save changes' : 'Add endpoint'}
        </button>
        <button type="button" className="btn btn-secondary" data-testid="endpoint-form-cancel" onClick={onCancel} disabled={form.saving}>
          Cancel
        </button>
      </div>
    </form>
  )
}
