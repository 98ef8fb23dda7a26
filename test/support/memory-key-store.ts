import type { KeyStore } from '../../electron/core/keys/key-store'

/**
 * A KeyStore in a Map, for tests (and the canary tests that run outside a D-Bus session).
 * No host wires it: the product keeps keys in the OS keychain only.
 */
export class MemoryKeyStore implements KeyStore {
  readonly label = 'an in-memory test store'
  readonly entries = new Map<string, string>()
  /** Set to make every call fail the way an unreachable keychain does. */
  failWith: Error | null = null

  private check(): void {
    if (this.failWith) throw this.failWith
  }
  async set(endpointId: string, key: string): Promise<void> {
    this.check()
    this.entries.set(endpointId, key)
  }
  async has(endpointId: string): Promise<boolean> {
    this.check()
    return this.entries.has(endpointId)
  }
  async delete(endpointId: string): Promise<boolean> {
    this.check()
    return this.entries.delete(endpointId)
  }
  async list(): Promise<string[]> {
    this.check()
    return [...this.entries.keys()].sort()
  }
  async get(endpointId: string): Promise<string | null> {
    this.check()
    return this.entries.get(endpointId) ?? null
  }
}
