import type { KeyStatus } from '../../../shared/keys'
import { KeychainUnavailableError, type KeyStore } from './key-store'

export interface KeychainSnapshot {
  available: boolean
  message: string | null
  /** Endpoint ids with a key in the keychain (empty when unavailable). */
  ids: string[]
}

/**
 * The one place core gets an endpoint's key: an environment key (headless host, memory
 * only) wins over the keychain. Writes and deletes go to the keychain only; when it is
 * unreachable they fail with KeychainUnavailableError, never falling back to a file.
 */
export class KeyVault {
  constructor(
    readonly keychain: KeyStore,
    private readonly envKeys: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Endpoint ids that have a key from the environment. */
  envIds(): string[] {
    return [...this.envKeys.keys()].sort()
  }

  /** The key for a client. Core only: never return it across the contract. */
  async read(endpointId: string): Promise<string | null> {
    const fromEnv = this.envKeys.get(endpointId)
    if (fromEnv !== undefined) return fromEnv
    return this.keychain.get(endpointId)
  }

  async set(endpointId: string, key: string): Promise<KeyStatus> {
    await this.keychain.set(endpointId, key)
    return this.status(endpointId)
  }

  async remove(endpointId: string): Promise<{ removed: boolean; status: KeyStatus }> {
    const removed = await this.keychain.delete(endpointId)
    return { removed, status: await this.status(endpointId) }
  }

  async status(endpointId: string): Promise<KeyStatus> {
    if (this.envKeys.has(endpointId)) return { endpointId, state: 'set', source: 'env' }
    try {
      const set = await this.keychain.has(endpointId)
      return { endpointId, state: set ? 'set' : 'not-set', source: set ? 'keychain' : null }
    } catch (error) {
      if (error instanceof KeychainUnavailableError) return { endpointId, state: 'unknown', source: null }
      throw error
    }
  }

  /** One keychain round trip for the whole list; unavailability is reported, not thrown. */
  async snapshot(): Promise<KeychainSnapshot> {
    try {
      return { available: true, message: null, ids: await this.keychain.list() }
    } catch (error) {
      if (error instanceof KeychainUnavailableError) return { available: false, message: error.message, ids: [] }
      throw error
    }
  }

  statusFrom(snapshot: KeychainSnapshot, endpointId: string): KeyStatus {
    if (this.envKeys.has(endpointId)) return { endpointId, state: 'set', source: 'env' }
    if (!snapshot.available) return { endpointId, state: 'unknown', source: null }
    const set = snapshot.ids.includes(endpointId)
    return { endpointId, state: set ? 'set' : 'not-set', source: set ? 'keychain' : null }
  }
}
