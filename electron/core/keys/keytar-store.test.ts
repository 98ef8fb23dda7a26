import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { KEYCHAIN_SERVICE, KeychainUnavailableError } from './key-store'
import { KeytarKeyStore, type KeytarLike } from './keytar-store'
import { KeyVault } from './key-vault'

/**
 * Real keytar against the OS keychain. On Linux that is the Secret Service in a D-Bus
 * session (CI: dbus-run-session + an unlocked gnome-keyring). The keychain tests skip only
 * when there is no D-Bus session at all; with one, a broken keyring fails them loudly.
 */
const noSession = process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS
if (noSession) {
  console.warn(
    '[keytar-store.test] SKIPPED the real-keychain tests: DBUS_SESSION_BUS_ADDRESS is unset, so no Secret Service is reachable. ' +
      "Run them like CI: HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run electron/core/keys'",
  )
}

const canary = () => `sk-canary-${randomBytes(12).toString('hex')}`

describe.skipIf(noSession)('KeytarKeyStore against the real OS keychain', () => {
  const service = `RouteLLM-test-${randomBytes(4).toString('hex')}`
  const store = new KeytarKeyStore({ service })

  afterAll(async () => {
    for (const id of await store.list()) await store.delete(id)
  })

  it('sets a key, reads it back inside core, lists it, deletes it', async () => {
    const key = canary()
    await store.set('openai', key)
    expect(await store.has('openai')).toBe(true)
    expect(await store.get('openai')).toBe(key)
    expect(await store.list()).toContain('openai')
    expect(await store.delete('openai')).toBe(true)
    expect(await store.get('openai')).toBeNull()
    expect(await store.has('openai')).toBe(false)
    expect(await store.delete('openai')).toBe(false)
  })

  it('keeps one account per endpoint id, and overwrites on set', async () => {
    const [a, b, c] = [canary(), canary(), canary()]
    await store.set('featherless', a)
    await store.set('my-vllm-2', b)
    await store.set('featherless', c)
    expect(await store.get('featherless')).toBe(c)
    expect(await store.get('my-vllm-2')).toBe(b)
    expect(await store.list()).toEqual(['featherless', 'my-vllm-2'])
  })

  it('files keys under the service "RouteLLM" by default', async () => {
    const account = `test-${randomBytes(4).toString('hex')}`
    const key = canary()
    const real = new KeytarKeyStore()
    await real.set(account, key)
    try {
      const keytar = (await import('keytar')) as unknown as KeytarLike & { default?: KeytarLike }
      expect(await (keytar.default ?? keytar).getPassword(KEYCHAIN_SERVICE, account)).toBe(key)
    } finally {
      await real.delete(account)
    }
    expect(await real.get(account)).toBeNull()
  })

  it('under a vault, an environment key wins and the keychain keeps its own', async () => {
    const key = canary()
    const fromEnv = canary()
    const vault = new KeyVault(store, new Map([['openrouter', fromEnv]]))
    expect(await vault.set('openrouter', key)).toEqual({ endpointId: 'openrouter', state: 'set', source: 'env' })
    expect(await vault.read('openrouter')).toBe(fromEnv)
    expect(await store.get('openrouter')).toBe(key)
    const removed = await vault.remove('openrouter')
    expect(removed).toEqual({ removed: true, status: { endpointId: 'openrouter', state: 'set', source: 'env' } })
    expect(await store.get('openrouter')).toBeNull()
  })
})

describe('KeytarKeyStore when the keychain is unavailable', () => {
  it.skipIf(process.platform !== 'linux')('says so and how to fix it when no D-Bus session answers (child process)', () => {
    const key = canary()
    const script = `
      import { KeytarKeyStore } from './electron/core/keys/keytar-store.ts'
      const store = new KeytarKeyStore({ service: 'RouteLLM-test-unavailable' })
      const results = []
      for (const op of [() => store.set('openai', process.env.CANARY_KEY), () => store.get('openai'), () => store.list()]) {
        try { await op(); results.push({ ok: true }) }
        catch (e) { results.push({ name: e.name, code: e.code, message: e.message }) }
      }
      console.log(JSON.stringify(results))
    `
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/routellm-test-bus', CANARY_KEY: key }
    delete env.DISPLAY
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 30_000 })
    expect(child.stderr).not.toContain(key)
    expect(child.stdout).not.toContain(key)
    const results = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '[]') as Array<{ ok?: boolean; name?: string; code?: string; message?: string }>
    expect(results).toHaveLength(3)
    for (const r of results) {
      expect(r.ok).toBeUndefined()
      expect(r.name).toBe('KeychainUnavailableError')
      expect(r.code).toBe('unavailable')
      expect(r.message).toMatch(/OS keychain is not available/)
      expect(r.message).toMatch(/never in a plain-text file/)
      expect(r.message).toMatch(/gnome-keyring/)
      expect(r.message).toMatch(/ROUTELLM_KEY_OPENAI/)
    }
  })

  it('reports a keytar module that will not load, and retries the load next time', async () => {
    let loads = 0
    const store = new KeytarKeyStore({
      load: async () => {
        loads++
        throw new Error('libsecret-1.so.0: cannot open shared object file')
      },
    })
    await expect(store.list()).rejects.toBeInstanceOf(KeychainUnavailableError)
    await expect(store.get('openai')).rejects.toThrow(/keytar native module could not be loaded: libsecret/)
    expect(loads).toBe(2)
  })

  it('gives up on a keychain that never answers (a hidden unlock prompt)', async () => {
    const hang = () => new Promise<never>(() => {})
    const store = new KeytarKeyStore({
      timeoutMs: 50,
      load: async () => ({ getPassword: hang, setPassword: hang, deletePassword: hang, findCredentials: hang }),
    })
    await expect(store.get('openai')).rejects.toThrow(/no answer from the keychain within 0 s while trying to read a key/)
  })

  it('scrubs the key from a failure message that quotes it', async () => {
    const key = canary()
    const store = new KeytarKeyStore({
      load: async () => ({
        getPassword: async () => null,
        setPassword: async (_s, _a, password) => {
          throw new Error(`org.freedesktop.Secret.Error.IsLocked: cannot store "${password}"`)
        },
        deletePassword: async () => false,
        findCredentials: async () => [],
      }),
    })
    const error = await store.set('openai', key).catch((e: unknown) => e as Error)
    expect(error).toBeInstanceOf(KeychainUnavailableError)
    expect((error as Error).message).toContain('[redacted]')
    expect((error as Error).message).not.toContain(key)
  })
})
