import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EndpointConfig } from '../../../shared/endpoints'
import type { EndpointsChanged } from '../../../shared/keys'
import { EventBus } from '../lib/event-bus'
import { KeychainUnavailableError } from '../keys/key-store'
import { MemoryKeyStore } from '../../../test/support/memory-key-store'
import { createSettingsEndpointSource } from './endpoint-store'
import { EndpointsService } from './endpoints-service'

const custom = (id: string, extra: Partial<EndpointConfig> = {}): EndpointConfig => ({
  id,
  name: `Endpoint ${id}`,
  provider: 'custom',
  baseURL: `https://${id}.example/v1`,
  tier: 'cloud',
  models: ['m'],
  prices: {},
  enabled: true,
  ...extra,
})

function setup(env: NodeJS.ProcessEnv = {}, host: 'electron' | 'headless' = 'headless') {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-endpoints-'))
  const store = new MemoryKeyStore()
  const bus = new EventBus()
  const events: EndpointsChanged[] = []
  bus.subscribe((event, payload) => {
    if (event === 'endpoints.changed') events.push(payload as EndpointsChanged)
  })
  const logs: string[] = []
  const service = new EndpointsService({ dataDir, env, host, keyStore: store, bus, log: (l) => logs.push(l) })
  return { dataDir, store, service, events, logs }
}

describe('EndpointsService', () => {
  it('saves, lists with key status only, and removes an endpoint together with its key', async () => {
    const { service, store, events } = setup()
    await service.save(custom('lab'), 'create')
    await expect(service.save(custom('lab'), 'create')).rejects.toThrow(/already exists/)
    await expect(service.save(custom('nope'), 'update')).rejects.toMatchObject({ code: 'not-found' })
    expect(await service.setKey('lab', 'sk-canary-lab')).toEqual({ endpointId: 'lab', state: 'set', source: 'keychain' })
    const overview = await service.list()
    expect(overview.endpoints).toEqual([{ ...custom('lab'), key: { endpointId: 'lab', state: 'set', source: 'keychain' } }])
    expect(overview.keychain).toEqual({ available: true, message: null })
    expect(overview.presets.map((p) => p.id)).toEqual(['openai', 'featherless', 'openrouter'])
    expect(JSON.stringify(overview)).not.toContain('sk-canary')
    expect(await service.remove('lab')).toEqual({ removed: true, keyRemoved: true })
    expect(store.entries.size).toBe(0)
    expect(events.map((e) => e.reason)).toEqual(['saved', 'key-set', 'removed'])
  })

  it('accepts keys for configured endpoints and presets only, and names a bad id cut short', async () => {
    const { service } = setup()
    await expect(service.setKey('openai', 'sk-x')).resolves.toMatchObject({ state: 'set' })
    await expect(service.setKey('someone', 'sk-x')).rejects.toThrow(/no endpoint "someone" is configured/)
  })

  it('an unreachable keychain: the list still works and says why; writes fail clearly and change nothing', async () => {
    const { service, store, dataDir } = setup()
    await service.save(custom('lab'), 'create')
    store.failWith = new KeychainUnavailableError('Could not connect: No such file or directory', 'linux')
    const overview = await service.list()
    expect(overview.keychain.available).toBe(false)
    expect(overview.keychain.message).toMatch(/not available \(Could not connect.*gnome-keyring.*ROUTELLM_KEY_/)
    expect(overview.endpoints[0]!.key.state).toBe('unknown')
    await expect(service.setKey('lab', 'sk-canary')).rejects.toMatchObject({ code: 'unavailable' })
    const before = readFileSync(join(dataDir, 'settings.json'), 'utf8')
    await expect(service.importKeysFile(JSON.stringify({ version: 1, endpoints: [{ id: 'openai', apiKey: 'sk-canary' }] }))).rejects.toBeInstanceOf(
      KeychainUnavailableError,
    )
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).toBe(before)
    await expect(service.remove('lab')).rejects.toBeInstanceOf(KeychainUnavailableError)
    expect(service.find('lab')).toBeDefined()
  })

  it('environment keys on the headless host only, reported by name', async () => {
    const env = { ROUTELLM_KEY_OPENAI: 'sk-canary-env' }
    const headless = setup(env, 'headless')
    expect((await headless.service.list()).envKeys).toEqual(['openai'])
    expect(await headless.service.checkKey('openai')).toEqual({ endpointId: 'openai', state: 'set', source: 'env' })
    expect(await headless.service.apiKey('openai')).toBe('sk-canary-env')
    const desktop = setup(env, 'electron')
    expect(await desktop.service.checkKey('openai')).toMatchObject({ state: 'not-set' })
  })

  it('import moves keys into the keychain, upserts endpoints, and warns that the file still holds them', async () => {
    const { service, store, logs } = setup()
    await service.save(custom('lab', { models: ['old'] }), 'create')
    const file = {
      version: 1,
      endpoints: [
        { id: 'openai', models: ['gpt-4o-mini'], apiKey: 'sk-canary-imp-1' },
        { ...custom('lab', { models: ['new'] }), apiKey: 'sk-canary-imp-2' },
        { id: 'openrouter', apiKey: '' },
      ],
    }
    const result = await service.importKeysFile(JSON.stringify(file), 'keys.json')
    expect(result.endpoints).toEqual(['openai', 'lab', 'openrouter'])
    expect(result.keysStored).toEqual(['openai', 'lab'])
    expect(result.warnings).toEqual([expect.stringMatching(/^keys\.json still holds 2 API keys in plain text\. They are now in the OS keychain/)])
    expect(store.entries.get('lab')).toBe('sk-canary-imp-2')
    expect(service.find('lab')?.models).toEqual(['new'])
    expect(JSON.stringify(result) + logs.join('\n') + service.exportKeysFile().content).not.toContain('sk-canary')
    await expect(service.importKeysFile('{"version": 1, "endpoints": [{"id": "x"}]}', 'bad.json')).rejects.toThrow(
      /^bad\.json: endpoints\[0\]\.name: .*Nothing was imported\.$/,
    )
  })

  it('test connection needs a configured endpoint and logs the outcome kind only', async () => {
    const { service, logs } = setup()
    await expect(service.test('ghost')).rejects.toMatchObject({ code: 'not-found' })
    await service.save({ ...custom('dead'), provider: 'openai', baseURL: 'http://127.0.0.1:9/v1' }, 'create')
    expect(await service.test('dead')).toMatchObject({ kind: 'no-key' })
    expect(logs.at(-1)).toMatch(/^keys: test connection dead: no-key in \d+ ms$/)
  })

  it('the endpoint source lists the endpoints (disabled ones flagged), hands core the key, and hears changes', async () => {
    const { service, dataDir } = setup()
    const source = createSettingsEndpointSource(service)
    let changes = 0
    const off = source.onChange(() => changes++)
    await service.save(custom('on'), 'create')
    await service.save(custom('off', { enabled: false }), 'create')
    await service.setKey('on', 'sk-canary-src')
    expect(source.list().map((e) => [e.id, e.enabled])).toEqual([
      ['on', true],
      ['off', false],
    ])
    expect(await source.apiKey('on')).toBe('sk-canary-src')
    expect(await source.apiKey('off')).toBeNull()
    expect(changes).toBe(3)
    // An edit by another process (the CLI) is noticed on the next read.
    const file = join(dataDir, 'settings.json')
    const settings = JSON.parse(readFileSync(file, 'utf8'))
    settings.endpoints.push(custom('from-cli'))
    writeFileSync(file, JSON.stringify(settings))
    expect(source.list().map((e) => e.id)).toEqual(['on', 'off', 'from-cli'])
    expect(changes).toBe(4)
    off()
    expect(existsSync(`${file}.bak`)).toBe(true)
  })
})
