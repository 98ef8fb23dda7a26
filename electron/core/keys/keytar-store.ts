import { KEYCHAIN_SERVICE, KeychainUnavailableError, type KeyStore } from './key-store'

/** The part of keytar this store uses (a stand-in can replace it in tests). */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>
}

export interface KeytarKeyStoreOptions {
  /** Keychain service name; tests use their own so they never touch a user's keys. */
  service?: string
  /** A keychain that waits on a hidden unlock prompt must not hang the host forever. */
  timeoutMs?: number
  /** Loads keytar (default: the native module, imported on first use). */
  load?: () => Promise<KeytarLike>
  platform?: NodeJS.Platform
}

const DEFAULT_TIMEOUT_MS = 20_000

async function loadKeytar(): Promise<KeytarLike> {
  const mod = (await import('keytar')) as KeytarLike & { default?: KeytarLike }
  return mod.default ?? mod
}

/** A short, single-line reason from a keytar/libsecret failure, with the key (if any) scrubbed. */
function reasonOf(error: unknown, secret?: string): string {
  let text = String((error as Error)?.message ?? error)
    .replace(/\s+/g, ' ')
    .trim()
  if (secret) text = text.split(secret).join('[redacted]')
  return (text || 'unknown keychain error').slice(0, 200)
}

/**
 * API keys in the OS keychain through keytar: macOS Keychain, Windows Credential Manager,
 * the Secret Service (gnome-keyring, KWallet) on Linux. Service "RouteLLM", one account
 * per endpoint id. Every failure becomes a KeychainUnavailableError that says how to fix it.
 */
export class KeytarKeyStore implements KeyStore {
  readonly label = 'the OS keychain'
  private readonly service: string
  private readonly timeoutMs: number
  private readonly load: () => Promise<KeytarLike>
  private readonly platform: NodeJS.Platform
  private keytar: Promise<KeytarLike> | null = null

  constructor(options: KeytarKeyStoreOptions = {}) {
    this.service = options.service ?? KEYCHAIN_SERVICE
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.load = options.load ?? loadKeytar
    this.platform = options.platform ?? process.platform
  }

  private async call<T>(what: string, run: (k: KeytarLike) => Promise<T>, secret?: string): Promise<T> {
    let keytar: KeytarLike
    try {
      this.keytar ??= this.load()
      keytar = await this.keytar
    } catch (error) {
      this.keytar = null
      throw new KeychainUnavailableError(`the keytar native module could not be loaded: ${reasonOf(error)}`, this.platform)
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KeychainUnavailableError(
              `no answer from the keychain within ${Math.round(this.timeoutMs / 1000)} s while trying to ${what}; is it locked behind a prompt?`,
              this.platform,
            ),
          ),
        this.timeoutMs,
      )
      timer.unref?.()
    })
    try {
      return await Promise.race([run(keytar), timeout])
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw error
      throw new KeychainUnavailableError(`${what}: ${reasonOf(error, secret)}`, this.platform)
    } finally {
      clearTimeout(timer)
    }
  }

  async set(endpointId: string, key: string): Promise<void> {
    await this.call('store a key', (k) => k.setPassword(this.service, endpointId, key), key)
  }

  async has(endpointId: string): Promise<boolean> {
    return (await this.get(endpointId)) !== null
  }

  async delete(endpointId: string): Promise<boolean> {
    return this.call('remove a key', (k) => k.deletePassword(this.service, endpointId))
  }

  async list(): Promise<string[]> {
    const found = await this.call('list keys', (k) => k.findCredentials(this.service))
    return [...new Set(found.map((c) => c.account))].sort()
  }

  async get(endpointId: string): Promise<string | null> {
    const key = await this.call('read a key', (k) => k.getPassword(this.service, endpointId))
    return key === '' ? null : key
  }
}
