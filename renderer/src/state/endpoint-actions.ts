import type { ContractClient } from '../../../shared/client'
import type { ConnectionTestResult } from '../../../shared/keys'
import { describeError, type ErrorReport } from '../client/errors'

/**
 * What the Settings terminal's buttons do, as plain async functions over the contract (the
 * components run them as React actions, which own the pending state). Each returns what the
 * row shows next; none returns or keeps a key.
 */

type Caller = Pick<ContractClient, 'call'>

/** One action's outcome. `seq` orders outcomes of different actions on one row: a key change makes an older test result stale. */
export interface Outcome<T> {
  seq: number
  value: T | null
  error: ErrorReport | null
}

let counter = 0
const ok = <T>(value: T): Outcome<T> => ({ seq: ++counter, value, error: null })
const failed = <T>(err: unknown): Outcome<T> => ({ seq: ++counter, value: null, error: describeError(err) })

export async function testEndpoint(client: Caller, endpointId: string): Promise<Outcome<ConnectionTestResult>> {
  try {
    return ok(await client.call('endpoints.test', { id: endpointId }))
  } catch (err) {
    return failed(err)
  }
}

/** Store a key in the OS keychain; the answer says only where a key is set. */
export async function setKey(client: Caller, endpointId: string, key: string): Promise<Outcome<string>> {
  try {
    const status = await client.call('keys.set', { endpointId, key })
    const note = status.source === 'env' ? ' The environment variable still takes precedence on this host.' : ''
    return ok(`Key stored in the OS keychain.${note}`)
  } catch (err) {
    return failed(err)
  }
}

export async function removeKey(client: Caller, endpointId: string): Promise<Outcome<string>> {
  try {
    const { removed } = await client.call('keys.remove', { endpointId })
    return ok(removed ? 'Key removed from the OS keychain.' : 'No key was stored.')
  } catch (err) {
    return failed(err)
  }
}

/** Remove the endpoint and its key; the list refreshes on the engine's endpoints.changed event. */
export async function removeEndpoint(client: Caller, endpointId: string): Promise<Outcome<true>> {
  try {
    await client.call('endpoints.remove', { id: endpointId, removeKey: true })
    return ok(true as const)
  } catch (err) {
    return failed(err)
  }
}

/** The test result still worth showing: none once the key changed after it. */
export function currentTest(test: Outcome<ConnectionTestResult> | null, key: Outcome<string> | null): Outcome<ConnectionTestResult> | null {
  if (!test) return null
  return key && key.value !== null && key.seq > test.seq ? null : test
}

export interface TransferOutcome {
  message: string | null
  warnings: string[]
  error: ErrorReport | null
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** Import a routellm-keys.json: endpoints into settings, keys into the keychain. */
export async function importKeysFile(client: Caller, fileName: string, content: string): Promise<TransferOutcome> {
  try {
    const result = await client.call('keys.import', { content, fileName: fileName.slice(0, 255) })
    return {
      message: `Imported ${plural(result.endpoints.length, 'endpoint')} from ${fileName}; ${plural(result.keysStored.length, 'key')} moved into the OS keychain.`,
      warnings: result.warnings,
      error: null,
    }
  } catch (err) {
    return { message: null, warnings: [], error: describeError(err) }
  }
}

/** Export the endpoints without keys; `file` is what to hand the user. */
export async function exportKeysFile(client: Caller): Promise<TransferOutcome & { file: { name: string; content: string } | null }> {
  try {
    const exported = await client.call('keys.export', {})
    return {
      message: `Exported ${plural(exported.endpoints, 'endpoint')} to ${exported.fileName}, without keys (they stay in the keychain).`,
      warnings: [],
      error: null,
      file: { name: exported.fileName, content: exported.content },
    }
  } catch (err) {
    return { message: null, warnings: [], error: describeError(err), file: null }
  }
}
