import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'
import { IPC_PREFIX } from '../../shared/ipc'
import { EventBus } from '../core/lib/event-bus'
import { createHandlers } from '../core/handlers'
import type { KeyStore } from '../core/keys/key-store'
import { KeytarKeyStore } from '../core/keys/keytar-store'
import { MemoryKeyStore } from '../../test/support/memory-key-store'
import type { Services } from '../core/services'
import { createSettingsEndpointSource } from '../core/settings/endpoint-store'
import { EndpointsService } from '../core/settings/endpoints-service'
import { bindContract, type IpcMainLike, type IpcResult } from '../main/ipc'
import { createKeysCommand } from './commands/keys'
import { createHttpHost } from './http-server'
import { combineSources, EnvEndpointSource } from '../core/providers/endpoint-source'
import { captureIo } from '../../test/support/cli-io'

/**
 * API keys never leak: a canary key set through every entry point (IPC handler table,
 * HTTP /api/rpc, the CLI on stdin, an imported file) never shows up in any contract
 * response or event, log line, error message, CLI output, or file in the data folder.
 * With a D-Bus session (CI) the keys go to the real keychain; without one, to memory.
 */
const canary = (where: string) => `sk-canary-${where}-${randomBytes(16).toString('hex')}`
const C = {
  ipc: canary('ipc'),
  http: canary('http'),
  httpBad: canary('httpbad'),
  httpImport: canary('httpimport'),
  malformed: canary('malformed'),
  cli: canary('cli'),
  argv: canary('argv'),
  fileImport: canary('fileimport'),
  env: canary('env'),
}
const ALL = Object.values(C)

const useKeychain = process.platform !== 'linux' || Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
console.info(`[keys-canary.test] keys go to ${useKeychain ? 'the real OS keychain (keytar)' : 'an in-memory store (no D-Bus session)'}`)

// One host, one key store and one record of everything seen, shared by the tests in order on
// purpose: each entry point adds its canary, and the last test searches all they produced.
describe('canary keys through every entry point', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-canary-data-'))
  const elsewhere = mkdtempSync(join(tmpdir(), 'routellm-canary-files-'))
  const keyStore: KeyStore = useKeychain ? new KeytarKeyStore({ service: `RouteLLM-canary-${randomBytes(4).toString('hex')}` }) : new MemoryKeyStore()
  const seen: string[] = [] // every output, error, event, log line and CLI stream, as text
  const record = (what: unknown) => seen.push(typeof what === 'string' ? what : JSON.stringify(what))
  const bus = new EventBus()
  bus.subscribe((event, payload) => record({ event, payload }))
  const log = (line: string) => record(`log: ${line}`)
  const env = { ROUTELLM_HOME: dataDir, ROUTELLM_KEY_ENVONLY: C.env }
  const endpoints = new EndpointsService({ dataDir, env, host: 'headless', keyStore, bus, log })
  const endpointSource = createSettingsEndpointSource(endpoints)
  // What services.ts gives the providers: saved endpoints, then the environment quick-config.
  const providers = { source: combineSources(endpointSource, new EnvEndpointSource(env)) }
  const services = { host: 'headless', version: '0.0.0-test', dataDir, bus, endpoints, endpointSource, providers } as unknown as Services
  const handlers = createHandlers(services)

  let cloud: OpenAIDouble
  let http: ReturnType<typeof createHttpHost>
  let port = 0
  const token = randomBytes(16).toString('hex')
  const sse = new AbortController()

  beforeAll(async () => {
    cloud = await startOpenAIDouble({ apiKey: C.ipc, models: ['gpt-4o-mini'] })
    http = createHttpHost({ handlers, bus, token, staticDir: null, log })
    port = await http.listen(0, '127.0.0.1')
    const res = await fetch(`http://127.0.0.1:${port}/api/events`, { headers: { Authorization: `Bearer ${token}` }, signal: sse.signal })
    void (async () => {
      const decoder = new TextDecoder()
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) record(`sse: ${decoder.decode(chunk)}`)
      } catch {
        // aborted at the end
      }
    })()
  })

  afterAll(async () => {
    sse.abort()
    http.server.closeAllConnections()
    await new Promise((r) => http.server.close(r))
    await cloud.close()
    for (const id of await keyStore.list()) await keyStore.delete(id)
  })

  // IPC: the very handler table the Electron host binds, through a stand-in ipcMain.
  const ipcHandlers = new Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown>()
  const ipc: IpcMainLike = { handle: (c, l) => void ipcHandlers.set(c, l), removeHandler: (c) => void ipcHandlers.delete(c) }
  bindContract(ipc, handlers, () => true)
  const viaIpc = async (channel: string, input: unknown) => {
    const result = (await ipcHandlers.get(IPC_PREFIX + channel)!({ senderFrame: { url: 'app://dashboard' } }, input)) as IpcResult
    record(result)
    return result
  }
  const viaHttp = async (channel: string, input: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/rpc/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    })
    const text = await res.text()
    record(text)
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> }
  }
  const viaCli = async (args: string[], stdin = '') => {
    const { captured, ...io } = captureIo(stdin)
    let code: number
    try {
      code = await createKeysCommand({ keyStore }).run({ ...io, args, env })
    } catch (error) {
      // What cli.ts would print for a thrown error.
      captured.err += `routellm keys: ${(error as Error).message}\n`
      code = 1
    }
    const { out, err } = captured
    record(`cli ${args[0]}: ${out}${err}`)
    return { code, out, err }
  }

  const endpoint = () => ({
    id: 'cloud',
    name: 'Cloud double',
    provider: 'custom',
    baseURL: cloud.url,
    tier: 'cloud',
    models: ['gpt-4o-mini'],
    prices: {},
    enabled: true,
  })

  it('IPC: set a key, test the connection, list, check, export', async () => {
    expect((await viaIpc('endpoints.save', { endpoint: endpoint(), mode: 'create' })).ok).toBe(true)
    expect(await viaIpc('keys.set', { endpointId: 'cloud', key: C.ipc })).toEqual({
      ok: true,
      value: { endpointId: 'cloud', state: 'set', source: 'keychain' },
    })
    expect(await endpoints.apiKey('cloud')).toBe(C.ipc) // read back inside core
    expect(await viaIpc('endpoints.test', { id: 'cloud' })).toMatchObject({ ok: true, value: { ok: true, kind: 'ok', models: ['gpt-4o-mini'] } })
    expect(cloud.requestsTo('/v1/models').at(-1)?.headers.authorization).toBe(`Bearer ${C.ipc}`)
    await viaIpc('endpoints.list', {})
    await viaIpc('keys.check', { endpointId: 'cloud' })
    await viaIpc('keys.export', {})
    const bad = await viaIpc('keys.set', { endpointId: 'cloud', key: `${C.ipc}\nX-Injected: 1` })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
  })

  it('HTTP: set a wrong key (the upstream 401 quotes it), bad inputs, import', async () => {
    expect((await viaHttp('keys.set', { endpointId: 'cloud', key: C.http })).status).toBe(200)
    expect(await endpoints.apiKey('cloud')).toBe(C.http)
    const test = await viaHttp('endpoints.test', { id: 'cloud' })
    expect(test.body).toMatchObject({ ok: false, kind: 'bad-key', httpStatus: 401 })
    expect((await viaHttp('keys.set', { endpointId: 'cloud', key: `${C.httpBad} with spaces` })).status).toBe(400)
    expect((await viaHttp('keys.set', { endpointId: C.httpBad.slice(0, 30), key: C.httpBad })).status).toBe(404)
    expect((await viaHttp('keys.set', { endpointId: C.httpBad, key: C.httpBad })).status).toBe(400)
    expect(
      (
        await viaHttp('endpoints.save', {
          endpoint: { ...endpoint(), id: 'leaky', baseURL: `https://u:${C.httpBad}@x.example/v1?api_key=${C.httpBad}` },
          mode: 'create',
        })
      ).status,
    ).toBe(400)
    const malformed = await viaHttp('keys.import', { content: `{"version": 1, "endpoints": [{"id": "openai", "apiKey": ${C.malformed}}]}` })
    expect(malformed.status).toBe(400)
    expect(JSON.stringify(malformed.body)).toMatch(/is not valid JSON \(line 1, column \d+\)/)
    const wrongPlace = await viaHttp('keys.import', {
      content: JSON.stringify({ version: 1, endpoints: [{ id: 'openai', [C.malformed]: C.malformed, key: C.malformed }] }),
    })
    expect(wrongPlace.status).toBe(400)
    const imported = await viaHttp('keys.import', {
      content: JSON.stringify({ version: 1, endpoints: [{ id: 'openai', models: ['gpt-4o-mini'], apiKey: C.httpImport }] }),
      fileName: 'routellm-keys.json',
    })
    expect(imported.body).toMatchObject({ endpoints: ['openai'], keysStored: ['openai'], warnings: [expect.stringMatching(/still holds 1 API key/)] })
    expect(await endpoints.apiKey('openai')).toBe(C.httpImport)
    await viaHttp('endpoints.list', {})
    await viaHttp('keys.export', {})
  })

  it('CLI: key on stdin, never argv; list, test, import a file, export', async () => {
    const set = await viaCli(['set', 'cloud'], `${C.cli}\n`)
    expect(set).toMatchObject({ code: 0 })
    expect(await endpoints.apiKey('cloud')).toBe(C.cli)
    const argv = await viaCli(['set', 'cloud', C.argv])
    expect(argv.code).toBe(1)
    expect(argv.err).toMatch(/read from stdin, never from the command line/)
    expect((await viaCli(['set', `--key=${C.argv}`, 'cloud'])).code).toBe(1)
    expect((await viaCli(['set', 'cloud'], `${C.argv} two words`)).code).toBe(1)
    expect((await viaCli(['list'])).out).toMatch(/cloud\s+Cloud double\s+custom\s+cloud\s+set \(keychain\)/)
    expect((await viaCli(['list', '--json'])).code).toBe(0)
    expect(await viaCli(['test', 'cloud'])).toMatchObject({ code: 1, out: expect.stringMatching(/^bad-key: /) })
    const file = join(elsewhere, 'routellm-keys.json')
    writeFileSync(file, JSON.stringify({ version: 1, endpoints: [{ id: 'featherless', models: ['m'], apiKey: C.fileImport }] }))
    const imported = await viaCli(['import', file])
    expect(imported).toMatchObject({ code: 0, err: expect.stringMatching(/still holds 1 API key in plain text/) })
    expect(await endpoints.apiKey('featherless')).toBe(C.fileImport)
    const out = join(elsewhere, 'export.json')
    expect((await viaCli(['export', out])).code).toBe(0)
    record(readFileSync(out, 'utf8'))
    expect(
      JSON.parse(readFileSync(out, 'utf8'))
        .endpoints.map((e: { id: string }) => e.id)
        .sort(),
    ).toEqual(['cloud', 'featherless', 'openai'])
    expect((await viaCli(['rm', 'featherless'])).out).toMatch(/removed the key for featherless/)
  })

  it('an environment key is used by core and reported by name only', async () => {
    expect(await endpoints.apiKey('envonly')).toBe(C.env)
    const list = await viaIpc('endpoints.list', {})
    expect(list).toMatchObject({ ok: true, value: { envKeys: ['envonly'] } })
    await viaCli(['list'])
  })

  it('no canary anywhere: responses, errors, events (bus and SSE), logs, CLI output, data folder files', async () => {
    // Let the SSE reader drain: wait (on a loaded machine, as long as it takes) for the last change event.
    for (let i = 0; i < 400 && !seen.some((s) => s.startsWith('sse: ') && s.includes('endpoints.changed')); i++) await new Promise((r) => setTimeout(r, 25))
    expect(seen.some((s) => s.startsWith('sse: ') && s.includes('endpoints.changed'))).toBe(true)
    expect(seen.some((s) => s.startsWith('log: '))).toBe(true)
    const everything = seen.join('\n')
    expect(everything).not.toMatch(/Incorrect API key|\*\*\*/) // upstream 401 bodies are never passed on
    for (const key of ALL) {
      expect(everything).not.toContain(key)
      expect(everything).not.toContain(key.slice(-12)) // nor a recognisable tail (OpenAI's 401 quotes the last 4)
    }
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else files.push(path)
      }
    }
    walk(dataDir)
    expect(files.map((f) => f.slice(dataDir.length + 1)).sort()).toEqual(['settings.json', 'settings.json.bak'])
    for (const file of files) {
      const content = readFileSync(file, 'utf8')
      for (const key of ALL) expect(content, file).not.toContain(key)
    }
  })
})
