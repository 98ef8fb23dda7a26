import { ContractError } from '../../../shared/client'
import { ENDPOINT_PRESETS, type EndpointConfig } from '../../../shared/endpoints'
import type { ConnectionTestResult, EndpointsChanged, EndpointsOverview, EndpointView, KeysImportResult, KeyStatus } from '../../../shared/keys'
import type { EventBus } from '../lib/event-bus'
import { readEnvKeys } from '../keys/env-keys'
import type { KeyStore } from '../keys/key-store'
import { KeytarKeyStore } from '../keys/keytar-store'
import { KeyVault } from '../keys/key-vault'
import { testConnection, type ConnectionTestOptions } from './connection-test'
import { FileFormatError, safeName } from '../lib/json-errors'
import { KEYS_FILE_NAME, parseKeysFile, renderKeysFile } from './keys-file'
import { SettingsStore } from './settings-store'

export interface EndpointsServiceOptions {
  dataDir: string
  env?: NodeJS.ProcessEnv
  /** Keys from ROUTELLM_KEY_<ID> variables are honoured on the headless host only. */
  host: 'electron' | 'headless'
  /** Default: the OS keychain through keytar. */
  keyStore?: KeyStore
  bus?: EventBus
  log?: (line: string) => void
  connection?: ConnectionTestOptions
  /** Watch the data folder for edits by other processes instead of checking the file on every read (hosts do). */
  watchSettings?: boolean
}

/**
 * Endpoints and their keys, as the contract, the CLI and the providers see them: the
 * settings file for what is non-secret, the keychain (or, headless, the environment) for
 * keys. Every output says only whether a key is set; `apiKey()` is the one way core reads
 * a key, to build a client.
 */
export class EndpointsService {
  readonly settings: SettingsStore
  readonly vault: KeyVault
  private readonly bus: EventBus | null
  private readonly log: (line: string) => void
  private readonly connection: ConnectionTestOptions
  private readonly listeners = new Set<(change: EndpointsChanged) => void>()

  constructor(options: EndpointsServiceOptions) {
    this.log = options.log ?? (() => {})
    this.bus = options.bus ?? null
    this.connection = options.connection ?? {}
    this.settings = new SettingsStore({ dataDir: options.dataDir, log: this.log, watch: options.watchSettings ?? false })
    const env = options.host === 'headless' ? readEnvKeys(options.env ?? process.env) : { keys: new Map<string, string>(), warnings: [] }
    for (const warning of env.warnings) this.log(`keys: ${warning}`)
    this.vault = new KeyVault(options.keyStore ?? new KeytarKeyStore(), env.keys)
    // Edits made by another process (the CLI, a text editor) reach the dashboard too.
    this.settings.onExternalChange(() => this.emit({ reason: 'reloaded', endpointId: null }))
  }

  /** Notified after every change to endpoints or keys (never with a key). */
  onChange(listener: (change: EndpointsChanged) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The configured endpoints (the settings in force). */
  endpoints(): EndpointConfig[] {
    return this.settings.get().endpoints
  }

  /** The key for an endpoint, for building a client inside core. Never send it anywhere else. */
  async apiKey(endpointId: string): Promise<string | null> {
    return this.vault.read(endpointId)
  }

  /** Endpoints of the settings file with their key status (the host adds environment endpoints). */
  async list(): Promise<Omit<EndpointsOverview, 'fromEnvironment'>> {
    const endpoints = this.endpoints()
    const snapshot = await this.vault.snapshot()
    const ids = new Set(endpoints.map((e) => e.id))
    return {
      endpoints: endpoints.map((e) => ({ ...e, key: this.vault.statusFrom(snapshot, e.id) })),
      keychain: { available: snapshot.available, message: snapshot.message },
      settings: { file: this.settings.path, problem: this.settings.problem() },
      envKeys: this.vault.envIds(),
      orphanKeys: snapshot.ids.filter((id) => !ids.has(id)),
      presets: Object.values(ENDPOINT_PRESETS),
    }
  }

  find(id: string): EndpointConfig | undefined {
    return this.endpoints().find((e) => e.id === id)
  }

  private require(id: string): EndpointConfig {
    const endpoint = this.find(id)
    if (!endpoint) throw new ContractError(`no endpoint "${safeName(id)}" is configured`, 'not-found')
    return endpoint
  }

  /** A key may be stored for a configured endpoint or a preset (openai, featherless, openrouter). */
  isKnownId(id: string): boolean {
    return this.find(id) !== undefined || Object.hasOwn(ENDPOINT_PRESETS, id)
  }

  async save(endpoint: EndpointConfig, mode: 'create' | 'update'): Promise<EndpointView> {
    this.settings.update((current) => {
      const index = current.endpoints.findIndex((e) => e.id === endpoint.id)
      if (mode === 'create' && index >= 0) throw new ContractError(`an endpoint "${endpoint.id}" already exists: edit it, or pick another id`, 'invalid-input')
      if (mode === 'update' && index < 0) throw new ContractError(`no endpoint "${safeName(endpoint.id)}" is configured`, 'not-found')
      const endpoints = [...current.endpoints]
      if (index >= 0) endpoints[index] = endpoint
      else endpoints.push(endpoint)
      return { ...current, endpoints }
    })
    this.emit({ reason: 'saved', endpointId: endpoint.id })
    return { ...endpoint, key: await this.vault.status(endpoint.id) }
  }

  /** Remove an endpoint and, by default, its key (a key for nothing is a secret kept for no reason). */
  async remove(id: string, removeKey = true): Promise<{ removed: boolean; keyRemoved: boolean }> {
    const exists = this.find(id) !== undefined
    let keyRemoved = false
    if (removeKey) {
      try {
        keyRemoved = (await this.vault.remove(id)).removed
      } catch (error) {
        // Keep the endpoint so the user can retry once the keychain is back.
        if (exists) throw error
      }
    }
    if (exists) this.settings.update((current) => ({ ...current, endpoints: current.endpoints.filter((e) => e.id !== id) }))
    if (exists || keyRemoved) this.emit({ reason: 'removed', endpointId: id })
    return { removed: exists, keyRemoved }
  }

  async setKey(endpointId: string, key: string): Promise<KeyStatus> {
    // The id is echoed in the error cut short: someone may have typed the key where the id goes.
    if (!this.isKnownId(endpointId)) {
      throw new ContractError(
        `no endpoint "${safeName(endpointId)}" is configured: add it first (the dashboard's Settings, or routellm keys import)`,
        'not-found',
      )
    }
    const status = await this.vault.set(endpointId, key)
    this.emit({ reason: 'key-set', endpointId })
    return status
  }

  async checkKey(endpointId: string): Promise<KeyStatus> {
    return this.vault.status(endpointId)
  }

  async removeKey(endpointId: string): Promise<{ removed: boolean; status: KeyStatus }> {
    const outcome = await this.vault.remove(endpointId)
    if (outcome.removed) this.emit({ reason: 'key-removed', endpointId })
    return outcome
  }

  async test(id: string): Promise<ConnectionTestResult> {
    const endpoint = this.require(id)
    // Offline, a cloud endpoint is not contacted, so its key is not even read (the keychain may be locked).
    const offline = endpoint.tier === 'cloud' && Boolean(this.connection.offlineReason?.())
    const key = offline ? null : await this.vault.read(id)
    const outcome = await testConnection(endpoint, key, this.connection)
    // The kind and status only: upstream messages may quote the key.
    this.log(`keys: test connection ${id}: ${outcome.kind}${outcome.httpStatus === null ? '' : ` (HTTP ${outcome.httpStatus})`} in ${outcome.ms} ms`)
    return outcome
  }

  /**
   * Import routellm-keys.json: keys go into the keychain first (nothing changes when it is
   * unreachable), then the endpoints into the settings. The file itself is not touched, so
   * the result warns that it still holds the keys.
   */
  async importKeysFile(content: string, fileName: string = KEYS_FILE_NAME): Promise<KeysImportResult> {
    let parsed: ReturnType<typeof parseKeysFile>
    try {
      parsed = parseKeysFile(content, fileName)
    } catch (error) {
      if (error instanceof FileFormatError) throw new ContractError(`${error.message}. Nothing was imported.`, 'invalid-input')
      throw error
    }
    const keysStored: string[] = []
    for (const [id, key] of parsed.keys) {
      await this.vault.set(id, key)
      keysStored.push(id)
    }
    if (parsed.endpoints.length > 0) {
      this.settings.update((current) => {
        const endpoints = [...current.endpoints]
        for (const endpoint of parsed.endpoints) {
          const index = endpoints.findIndex((e) => e.id === endpoint.id)
          if (index >= 0) endpoints[index] = endpoint
          else endpoints.push(endpoint)
        }
        return { ...current, endpoints }
      })
    }
    const warnings: string[] = []
    if (keysStored.length > 0) {
      const n = keysStored.length
      warnings.push(
        `${fileName} still holds ${n} API key${n === 1 ? '' : 's'} in plain text. ${n === 1 ? 'It is' : 'They are'} now in the OS keychain: ` +
          'delete the file, or blank its "apiKey" fields (routellm keys export writes a copy without keys).',
      )
    }
    this.log(`keys: imported ${parsed.endpoints.length} endpoint(s) and ${keysStored.length} key(s) from ${fileName}`)
    this.emit({ reason: 'imported', endpointId: null })
    return { endpoints: parsed.endpoints.map((e) => e.id), keysStored, warnings }
  }

  exportKeysFile(): { fileName: string; content: string; endpoints: number } {
    const settings = this.settings.get()
    return { fileName: KEYS_FILE_NAME, content: renderKeysFile(settings), endpoints: settings.endpoints.length }
  }

  private emit(change: EndpointsChanged): void {
    this.bus?.emit('endpoints.changed', change)
    for (const listener of [...this.listeners]) {
      try {
        listener(change)
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
