import type { DashboardClient } from '../client'
import { useContractQuery } from '../data/useContractQuery'
import { Panel } from './Panel'
import { SettingsEndpoints } from './SettingsEndpoints'
import { SettingsSummary } from './SettingsSummary'
import { useKeysTransfer, SettingsTransferReport } from './SettingsTransfer'

interface SettingsPanelProps {
  client: DashboardClient
  /** False when the dashboard has no access token (nothing can be loaded). */
  enabled: boolean
  className?: string
}

/**
 * The Settings terminal: endpoints (add, edit, remove), each with a write-only key field,
 * "test connection", and import/export of routellm-keys.json. Keys go to the engine and
 * into the OS keychain; nothing here ever receives one back. The list reloads on the engine's
 * endpoints.changed event, which every change sends.
 */
export function SettingsPanel({ client, enabled, className }: SettingsPanelProps) {
  const list = useContractQuery(client, 'endpoints.list', {}, { enabled, refreshOn: ['endpoints.changed'] })
  const transfer = useKeysTransfer(client)
  const overview = list.data

  return (
    <Panel
      title="Settings · endpoints & keys"
      className={className}
      actions={
        <>
          <button type="button" className="btn-bar" data-testid="settings-import" onClick={transfer.pickFile} disabled={!enabled || transfer.busy}>
            Import
          </button>
          <button type="button" className="btn-bar" data-testid="settings-export" onClick={transfer.exportFile} disabled={!enabled || transfer.busy}>
            Export
          </button>
          <button
            type="button"
            className="btn-bar"
            data-testid="settings-refresh"
            // Never rejects: a failure shows as "Could not load the settings".
            onClick={() => void list.reload()}
            disabled={!enabled || list.loading}
          >
            {list.loading ? 'Loading…' : 'Refresh'}
          </button>
        </>
      }
    >
      <div data-testid="settings-panel" className="flex flex-col gap-4" aria-busy={list.loading}>
        {transfer.fileInput}
        {list.error ? (
          <p role="alert" className="border-4 border-black p-2 text-sm font-bold" data-testid="settings-error">
            ▲ Could not load the settings: {list.error.message}
          </p>
        ) : null}
        {overview ? <SettingsSummary overview={overview} /> : !list.error ? <p className="label">{enabled ? 'Loading endpoints…' : 'Not connected.'}</p> : null}
        <SettingsTransferReport transfer={transfer} />
        {overview ? <SettingsEndpoints client={client} overview={overview} /> : null}
      </div>
    </Panel>
  )
}
