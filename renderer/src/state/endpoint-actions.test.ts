import { describe, expect, it } from 'vitest'
import { ContractError, type ContractClient } from '../../../shared/client'
import { currentTest, exportKeysFile, importKeysFile, removeKey, setKey, testEndpoint } from './endpoint-actions'

/** A client that answers each channel from a table, or throws what the table holds. */
const client = (answers: Record<string, unknown>): Pick<ContractClient, 'call'> => ({
  call: (async (channel: string) => {
    const answer = answers[channel]
    if (answer instanceof Error) throw answer
    return answer
  }) as ContractClient['call'],
})

const noKey = { endpointId: 'a', ok: false, kind: 'no-key', message: 'No key', httpStatus: null, models: [], ms: 1 } as const

describe('endpoint actions', () => {
  it('a key set says where the key went, and never returns it', async () => {
    const keychain = await setKey(client({ 'keys.set': { endpointId: 'a', state: 'set', source: 'keychain' } }), 'a', 'sk-canary')
    expect(keychain.value).toBe('Key stored in the OS keychain.')
    const env = await setKey(client({ 'keys.set': { endpointId: 'a', state: 'set', source: 'env' } }), 'a', 'sk-canary')
    expect(env.value).toMatch(/environment variable still takes precedence/)
    expect(JSON.stringify([keychain, env])).not.toContain('sk-canary')
  })

  it('a key changed after a test makes the test result stale; a failed key change does not', async () => {
    const test = await testEndpoint(client({ 'endpoints.test': noKey }), 'a')
    expect(currentTest(test, null)).toBe(test)
    const failedKey = await setKey(client({ 'keys.set': new ContractError('keychain locked', 'unavailable') }), 'a', 'k')
    expect(failedKey.error?.message).toBe('keychain locked')
    expect(currentTest(test, failedKey)).toBe(test)
    const removed = await removeKey(client({ 'keys.remove': { removed: true, status: {} } }), 'a')
    expect(removed.value).toBe('Key removed from the OS keychain.')
    expect(currentTest(test, removed)).toBeNull()
    const retest = await testEndpoint(client({ 'endpoints.test': noKey }), 'a')
    expect(currentTest(retest, removed)).toBe(retest)
  })

  it('import and export report counts, warnings and failures', async () => {
    const imported = await importKeysFile(client({ 'keys.import': { endpoints: ['a', 'b'], keysStored: ['a'], warnings: ['plain text'] } }), 'k.json', '{}')
    expect(imported).toEqual({ message: 'Imported 2 endpoints from k.json; 1 key moved into the OS keychain.', warnings: ['plain text'], error: null })
    const exported = await exportKeysFile(client({ 'keys.export': { fileName: 'routellm-keys.json', content: '{"v":1}', endpoints: 1 } }))
    expect(exported.file).toEqual({ name: 'routellm-keys.json', content: '{"v":1}' })
    expect(exported.message).toMatch(/Exported 1 endpoint to routellm-keys.json, without keys/)
    const refused = await importKeysFile(client({ 'keys.import': new ContractError('not a keys file', 'invalid-input') }), 'x.json', '')
    expect(refused).toMatchObject({ message: null, error: { message: 'not a keys file' } })
  })
})
