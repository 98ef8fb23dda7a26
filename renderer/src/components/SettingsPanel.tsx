import { useCallback, useEffect, useReducer, useRef, type ChangeEvent } from 'react'
import { describeError, type DashboardClient } from '../client'
import {
  draftFromEndpoint,
  draftToEndpoint,
  emptyDraft,
  initialSettings,
  settingsReducer,
  type DraftField,
} from '../state/settings'
import { Panel } from './Panel'
import { SettingsEndpointForm } from './SettingsEndpointForm'
import { SettingsEndpointRow } from './SettingsEndpointRow'

interface SettingsPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  className?: string
}

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

/**
 * The Settings terminal: endpoints (add, edit, remove), each with a write-only key field,
 * "test connection", and import/export of routellm-keys.json. Keys go to the engine and
 * into the OS keychain; nothing here ever receives one back.
 */
export function SettingsPanel({ client, enabled, className }: SettingsPanelProps) {
  const [state, dispatch] = useReducer(settingsReducer, initialSettings)
  const fileInput = useRef<HTMLInputElement>(null)
  const { overview, form } = state

  const load = useCallback(async () => {
    dispatch({ type: 'list/requested' })
    try {
      dispatch({ type: 'list/succeeded', overview: await client.call('endpoints.list', {}) })
    } catch (err) {
      dispatch({ type: 'list/failed', error: describeError(err) })
    }
  }, [client])

  useEffect(() => {
    if (!enabled) return
    void load()
    return client.on('endpoints.changed', () => void load())
  }, [client, enabled, load])

  const onSave = useCallback(async () => {
    if (!form) return
    const checked = draftToEndpoint(form.draft)
    if (!checked.ok) return dispatch({ type: 'form/invalid', fieldErrors: checked.fieldErrors })
    dispatch({ type: 'form/saving' })
    try {
      const endpoint = await client.call('endpoints.save', { endpoint: checked.endpoint, mode: form.mode })
      dispatch({ type: 'form/saved', endpoint })
    } catch (err) {
      dispatch({ type: 'form/failed', error: describeError(err) })
    }
  }, [client, form])

  const onSetKey = useCallback(
    async (id: string, key: string) => {
      dispatch({ type: 'key/requested', id })
      try {
        const status = await client.call('keys.set', { endpointId: id, key })
        const note = status.source === 'env' ? ' The environment variable still takes precedence on this host.' : ''
        dispatch({ type: 'key/succeeded', id, status, message: `Key stored in the OS keychain.${note}` })
      } catch (err) {
        dispatch({ type: 'key/failed', id, error: describeError(err) })
      }
    },
    [client],
  )

  const onRemoveKey = useCallback(
    async (id: string) => {
      dispatch({ type: 'key/requested', id })
      try {
        const { removed, status } = await client.call('keys.remove', { endpointId: id })
        dispatch({ type: 'key/succeeded', id, status, message: removed ? 'Key removed from the OS keychain.' : 'No key was stored.' })
      } catch (err) {
        dispatch({ type: 'key/failed', id, error: describeError(err) })
      }
    },
    [client],
  )

  const onTest = useCallback(
    async (id: string) => {
      dispatch({ type: 'test/requested', id })
      try {
        dispatch({ type: 'test/succeeded', id, result: await client.call('endpoints.test', { id }) })
      } catch (err) {
        dispatch({ type: 'test/failed', id, error: describeError(err) })
      }
    },
    [client],
  )

  const onRemove = useCallback(
    async (id: string) => {
      dispatch({ type: 'remove/requested', id })
      try {
        await client.call('endpoints.remove', { id, removeKey: true })
        dispatch({ type: 'remove/succeeded', id })
      } catch (err) {
        dispatch({ type: 'remove/failed', id, error: describeError(err) })
      }
    },
    [client],
  )

  const onImport = useCallback(
    async (e: ChangeEvent<HTMLInputElement>) => {
      const input = e.currentTarget
      const file = input.files?.[0]
      if (!file) return
      dispatch({ type: 'transfer/requested' })
      try {
        const content = await file.text()
        input.value = ''
        const result = await client.call('keys.import', { content, fileName: file.name.slice(0, 255) })
        const keys = result.keysStored.length
        dispatch({
          type: 'transfer/succeeded',
          message: `Imported ${result.endpoints.length} endpoint${result.endpoints.length === 1 ? '' : 's'} from ${file.name}; ${keys} key${keys === 1 ? '' : 's'} moved into the OS keychain.`,
          warnings: result.warnings,
        })
        void load()
      } catch (err) {
        input.value = ''
        dispatch({ type: 'transfer/failed', error: describeError(err) })
      }
    },
    [client, load],
  )

  const onExport = useCallback(async () => {
    dispatch({ type: 'transfer/requested' })
    try {
      const exported = await client.call('keys.export', {})
      download(exported.fileName, exported.content)
      dispatch({
        type: 'transfer/succeeded',
        message: `Exported ${exported.endpoints} endpoint${exported.endpoints === 1 ? '' : 's'} to ${exported.fileName}, without keys (they stay in the keychain).`,
        warnings: [],
      })
    } catch (err) {
      dispatch({ type: 'transfer/failed', error: describeError(err) })
    }
  }, [client])

  const keychainWritable = overview?.keychain.available ?? false
  const transfer = state.transfer

  return (
    <Panel
      title="Settings · endpoints & keys"
      className={className}
      actions={
        <>
          <button type="button" className="btn-bar" data-testid="settings-import" onClick={() => fileInput.current?.click()} disabled={!enabled || transfer.busy}>
            Import
          </button>
          <button type="button" className="btn-bar" data-testid="settings-export" onClick={() => void onExport()} disabled={!enabled || transfer.busy}>
            Export
          </button>
          <button type="button" className="btn-bar" data-testid="settings-refresh" onClick={() => void load()} disabled={!enabled || state.loading}>
            {state.loading ? 'Loading…' : 'Refresh'}
          </button>
        </>
      }
    >
      <div data-testid="settings-panel" className="flex flex-col gap-4" aria-busy={state.loading}>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          className="sr-only"
          tabIndex={-1}
          aria-label="Import routellm-keys.json"
          data-testid="settings-import-input"
          onChange={(e) => void onImport(e)}
        />
        {state.error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="settings-error">
            ▲ Could not load the settings: {state.error.message}
          </p>
        ) : null}
        {overview ? (
          <>
            <div className="flex flex-wrap items-center gap-x-6 gap-y-1 text-xs uppercase">
              <p className="flex gap-2" data-testid="settings-keychain" data-available={String(overview.keychain.available)}>
                <span className="font-bold tracking-widest text-gray-600">Keychain</span>
                <span className="font-bold">{overview.keychain.available ? 'available' : 'unavailable'}</span>
              </p>
              <p className="flex min-w-0 gap-2">
                <span className="font-bold tracking-widest text-gray-600">Settings</span>
                <span className="truncate font-bold normal-case" title={overview.settings.file}>
                  {overview.settings.file}
                </span>
              </p>
              {overview.envKeys.length > 0 ? (
                <p className="flex gap-2">
                  <span className="font-bold tracking-widest text-gray-600">Env keys</span>
                  <span className="font-bold normal-case">{overview.envKeys.join(', ')}</span>
                </p>
              ) : null}
            </div>
            {!overview.keychain.available && overview.keychain.message ? (
              <p role="alert" className="border-4 border-black p-2 text-sm" data-testid="settings-keychain-problem">
                <span className="mr-2 bg-black px-1 font-black tracking-widest text-white">▲ NO KEYCHAIN</span>
                {overview.keychain.message}
              </p>
            ) : null}
            {overview.settings.problem ? (
              <p role="alert" className="border-4 border-black p-2 text-sm" data-testid="settings-problem">
                <span className="mr-2 bg-black px-1 font-black tracking-widest text-white">▲ SETTINGS FILE</span>
                {overview.settings.problem}
              </p>
            ) : null}
          </>
        ) : !state.error ? (
          <p className="label">{enabled ? 'Loading endpoints…' : 'Not connected.'}</p>
        ) : null}

        {transfer.message || transfer.error || transfer.warnings.length > 0 ? (
          <div data-testid="settings-transfer" role={transfer.error || transfer.warnings.length > 0 ? 'alert' : 'status'} className="flex items-start justify-between gap-3 border-2 border-black p-2 text-sm">
            <div className="flex min-w-0 flex-col gap-1">
              {transfer.message ? <p className="font-bold">{transfer.message}</p> : null}
              {transfer.warnings.map((w, i) => (
                <p key={i} data-testid="settings-transfer-warning">
                  <span className="mr-2 bg-black px-1 font-black tracking-widest text-white">▲ WARNING</span>
                  {w}
                </p>
              ))}
              {transfer.error ? (
                <p data-testid="settings-transfer-error" className="font-bold">
                  ▲ {transfer.error.message}
                </p>
              ) : null}
            </div>
            <button type="button" className="btn btn-secondary shrink-0 px-2 py-0.5 text-xs" onClick={() => dispatch({ type: 'transfer/dismissed' })}>
              Dismiss
            </button>
          </div>
        ) : null}

        {overview && overview.fromEnvironment.length > 0 ? (
          <ul className="flex flex-col gap-1 border-2 border-black p-3 text-sm" data-testid="endpoint-env-list">
            <li className="text-xs font-bold tracking-widest text-gray-600 uppercase">From the environment (read-only)</li>
            {overview.fromEnvironment.map((e) => (
              <li key={e.id} className="normal-case" data-testid={`endpoint-env-${e.id}`}>
                <span className="font-bold">{e.id}</span> · {e.tier} · {e.baseURL} · {e.models.join(', ') || 'no model'}
              </li>
            ))}
          </ul>
        ) : null}

        {overview ? (
          overview.endpoints.length === 0 && overview.fromEnvironment.length === 0 ? (
            <p className="border-2 border-dashed border-black p-3 text-sm" data-testid="settings-empty">
              No cloud endpoints yet: prompts that need the cloud have nowhere to go. Add one below (a preset takes a minute), or import a
              routellm-keys.json.
            </p>
          ) : (
            <ul className="flex flex-col gap-3" data-testid="endpoint-list">
              {overview.endpoints.map((e) => (
                <SettingsEndpointRow
                  key={e.id}
                  endpoint={e}
                  test={state.tests[e.id]}
                  keyOp={state.keyOps[e.id]}
                  keychainWritable={keychainWritable}
                  confirmRemove={state.confirmRemove === e.id}
                  removing={state.removing === e.id}
                  onEdit={() => dispatch({ type: 'form/opened', mode: 'update', draft: draftFromEndpoint(e) })}
                  onTest={() => void onTest(e.id)}
                  onSetKey={(key) => void onSetKey(e.id, key)}
                  onRemoveKey={() => void onRemoveKey(e.id)}
                  onAskRemove={() => dispatch({ type: 'remove/asked', id: e.id })}
                  onCancelRemove={() => dispatch({ type: 'remove/cancelled' })}
                  onRemove={() => void onRemove(e.id)}
                />
              ))}
            </ul>
          )
        ) : null}

        {form ? (
          <SettingsEndpointForm
            form={form}
            onChange={(field: DraftField, value) => dispatch({ type: 'form/changed', field, value })}
            onSave={() => void onSave()}
            onCancel={() => dispatch({ type: 'form/closed' })}
          />
        ) : overview ? (
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
                  onClick={() => dispatch({ type: 'form/opened', mode: 'create', draft: draftFromEndpoint(p) })}
                >
                  {p.name}
                </button>
              ))}
            <button type="button" className="btn px-3 py-1" data-testid="settings-add" onClick={() => dispatch({ type: 'form/opened', mode: 'create', draft: emptyDraft })}>
              Custom endpoint
            </button>
          </div>
        ) : null}
      </div>
    </Panel>
  )
}
