import { useId, useRef, type FormEvent } from 'react'
import type { KeyStatus } from '../../../shared/keys'
import type { ErrorReport } from '../client'
import { keyLabel } from '../state/settings'

/** The last key change of this endpoint: in flight, what it did, or why it failed. */
export interface KeyOpState {
  busy: boolean
  message: string | null
  error: ErrorReport | null
}

interface SettingsKeyFieldProps {
  endpointId: string
  endpointName: string
  status: KeyStatus
  op: KeyOpState
  /** False while the keychain is unreachable (writes would fail). */
  writable: boolean
  onSet: (key: string) => void
  onRemove: () => void
}

/**
 * A write-only key field. The input is uncontrolled, so the key never enters React state
 * or a `value` attribute; it is read once on submit, and the field is emptied at once.
 * What comes back, and what is shown, is only "set" / "not set".
 */
export function SettingsKeyField({ endpointId, endpointName, status, op, writable, onSet, onRemove }: SettingsKeyFieldProps) {
  const input = useRef<HTMLInputElement>(null)
  const inputId = useId()
  const busy = op.busy

  function submit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault()
    const field = input.current
    if (!field) return
    const key = field.value
    field.value = ''
    if (key.trim() === '') return
    onSet(key)
  }

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-3">
        <span className="label">Key</span>
        <span
          data-testid={`endpoint-key-status-${endpointId}`}
          data-state={status.state}
          className={
            status.state === 'set'
              ? 'bg-black px-2 py-0.5 text-sm font-black tracking-widest text-white'
              : 'border-2 border-black px-2 py-0.5 text-sm font-black tracking-widest'
          }
        >
          {keyLabel(status)}
        </span>
        {status.state === 'set' && status.source === 'keychain' ? (
          <button
            type="button"
            className="btn btn-secondary px-2 py-0.5 text-xs"
            data-testid={`endpoint-key-remove-${endpointId}`}
            onClick={onRemove}
            disabled={busy || !writable}
          >
            Remove key
          </button>
        ) : null}
      </div>
      <form className="flex flex-wrap items-stretch gap-2" onSubmit={submit} autoComplete="off">
        <label htmlFor={inputId} className="sr-only">
          New API key for {endpointName}
        </label>
        <input
          ref={input}
          id={inputId}
          type="password"
          name={`routellm-key-${endpointId}`}
          autoComplete="off"
          spellCheck={false}
          data-testid={`endpoint-key-input-${endpointId}`}
          data-lpignore="true"
          placeholder={status.state === 'set' ? 'paste a new key to replace it' : 'paste the API key'}
          disabled={busy || !writable}
          className="min-w-0 flex-1 border-2 border-black bg-white px-2 py-1 font-mono text-sm placeholder:text-gray-500 disabled:border-dashed disabled:border-gray-500 disabled:bg-gray-100"
        />
        <button type="submit" className="btn px-3 py-1" data-testid={`endpoint-key-save-${endpointId}`} disabled={busy || !writable}>
          {busy ? 'Saving…' : 'Set key'}
        </button>
      </form>
      {op.message ? (
        <p className="text-sm" data-testid={`endpoint-key-message-${endpointId}`}>
          {op.message}
        </p>
      ) : null}
      {op.error ? (
        <p role="alert" className="border-l-4 border-black pl-2 text-sm font-bold" data-testid={`endpoint-key-error-${endpointId}`}>
          {op.error.message}
          {op.error.details.length > 0 ? ` (${op.error.details.join('; ')})` : ''}
        </p>
      ) : null}
    </div>
  )
}
