import { describe, expect, it } from 'vitest'
import { KeychainUnavailableError } from './key-store'
import { endpointIdOfEnvName, envKeyName, readEnvKeys } from './env-keys'
import { KeyVault } from './key-vault'
import { MemoryKeyStore } from '../../../test/support/memory-key-store'

describe('environment keys (headless host)', () => {
  it('names the variable after the endpoint id, dashes as underscores, and back', () => {
    expect(envKeyName('openai')).toBe('ROUTELLM_KEY_OPENAI')
    expect(envKeyName('my-vllm-2')).toBe('ROUTELLM_KEY_MY_VLLM_2')
    expect(endpointIdOfEnvName('ROUTELLM_KEY_MY_VLLM_2')).toBe('my-vllm-2')
    expect(endpointIdOfEnvName('OPENAI_API_KEY')).toBeNull()
  })

  it('reads keys from ROUTELLM_KEY_* only, trims them, and reports bad ones by name, never by value', () => {
    const secret = 'sk-canary-env-0123456789'
    const { keys, warnings } = readEnvKeys({
      ROUTELLM_KEY_OPENAI: `  ${secret}\n`,
      ROUTELLM_KEY_FEATHERLESS: 'has a space in-canary-x',
      ROUTELLM_KEY_: 'sk-canary-nameless',
      ROUTELLM_KEY_EMPTY: '',
      OPENAI_API_KEY: 'sk-not-ours',
    })
    expect([...keys]).toEqual([['openai', secret]])
    expect(warnings).toHaveLength(2)
    expect(warnings.join('\n')).toMatch(/ROUTELLM_KEY_FEATHERLESS ignored/)
    expect(warnings.join('\n')).not.toMatch(/canary/)
  })
})

describe('KeyVault', () => {
  it('reports set / not set / unknown, never the key', async () => {
    const store = new MemoryKeyStore()
    const vault = new KeyVault(store, new Map([['openrouter', 'sk-env']]))
    expect(await vault.set('openai', 'sk-canary-1')).toEqual({ endpointId: 'openai', state: 'set', source: 'keychain' })
    expect(await vault.status('featherless')).toEqual({ endpointId: 'featherless', state: 'not-set', source: null })
    expect(await vault.status('openrouter')).toEqual({ endpointId: 'openrouter', state: 'set', source: 'env' })
    expect(await vault.read('openai')).toBe('sk-canary-1')
    store.failWith = new KeychainUnavailableError('test')
    expect(await vault.status('openai')).toEqual({ endpointId: 'openai', state: 'unknown', source: null })
    expect(await vault.read('openrouter')).toBe('sk-env')
    await expect(vault.read('openai')).rejects.toBeInstanceOf(KeychainUnavailableError)
    await expect(vault.set('openai', 'sk-x')).rejects.toBeInstanceOf(KeychainUnavailableError)
    const snapshot = await vault.snapshot()
    expect(snapshot.available).toBe(false)
    expect(snapshot.message).toMatch(/not available \(test\)/)
    expect(vault.statusFrom(snapshot, 'openrouter').source).toBe('env')
  })
})
