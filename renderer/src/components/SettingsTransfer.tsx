import { startTransition, useActionState, useRef, type ReactNode } from 'react'
import type { DashboardClient } from '../client'
import { exportKeysFile, importKeysFile, type TransferOutcome } from '../state/endpoint-actions'

/** Browsers only: hand a text file to the user. */
function download(fileName: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

type Intent = { kind: 'import'; file: File } | { kind: 'export' } | { kind: 'dismiss' }

const NONE: TransferOutcome = { message: null, warnings: [], error: null }

export interface KeysTransfer {
  state: TransferOutcome
  busy: boolean
  pickFile: () => void
  exportFile: () => void
  dismiss: () => void
  /** The hidden file input the Import button opens. */
  fileInput: ReactNode
}

/** Import and export of routellm-keys.json as one React action (its pending state is the busy flag). */
export function useKeysTransfer(client: DashboardClient): KeysTransfer {
  const input = useRef<HTMLInputElement>(null)
  const [state, act, busy] = useActionState(async (_prev: TransferOutcome, intent: Intent): Promise<TransferOutcome> => {
    if (intent.kind === 'dismiss') return NONE
    if (intent.kind === 'import') return importKeysFile(client, intent.file.name, await intent.file.text())
    const { file, ...outcome } = await exportKeysFile(client)
    if (file) download(file.name, file.content)
    return outcome
  }, NONE)
  const run = (intent: Intent) => startTransition(() => act(intent))

  const fileInput = (
    <input
      ref={input}
      type="file"
      accept=".json,application/json"
      className="sr-only"
      tabIndex={-1}
      aria-label="Import routellm-keys.json"
      data-testid="settings-import-input"
      onChange={(e) => {
        const file = e.currentTarget.files?.[0]
        e.currentTarget.value = ''
        if (file) run({ kind: 'import', file })
      }}
    />
  )
  return { state, busy, pickFile: () => input.current?.click(), exportFile: () => run({ kind: 'export' }), dismiss: () => run({ kind: 'dismiss' }), fileInput }
}

/** What the last import or export did: its message, the engine's warnings, or why it failed. */
export function SettingsTransferReport({ transfer }: { transfer: KeysTransfer }) {
  const { message, warnings, error } = transfer.state
  if (!message && !error && warnings.length === 0) return null
  return (
    <div
      data-testid="settings-transfer"
      role={error || warnings.length > 0 ? 'alert' : 'status'}
      className="flex items-start justify-between gap-3 border-2 border-black p-2 text-sm"
    >
      <div className="flex min-w-0 flex-col gap-1">
        {message ? <p className="font-bold">{message}</p> : null}
        {warnings.map((w, i) => (
          <p key={i} data-testid="settings-transfer-warning">
            <span className="mr-2 bg-black px-1 font-black tracking-widest text-white">▲ WARNING</span>
            {w}
          </p>
        ))}
        {error ? (
          <p data-testid="settings-transfer-error" className="font-bold">
            ▲ {error.message}
          </p>
        ) : null}
      </div>
      <button type="button" className="btn btn-secondary shrink-0 px-2 py-0.5 text-xs" onClick={transfer.dismiss}>
        Dismiss
      </button>
    </div>
  )
}
