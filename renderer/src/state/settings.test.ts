import { describe, expect, it } from 'vitest'
import type { EndpointsOverview, EndpointView } from '../../../shared/keys'
import { draftFromEndpoint, draftToEndpoint, emptyDraft, initialSettings, keyLabel, settingsReducer, type SettingsAction, type SettingsState } from './settings'

const view = (id: string, state: 'set' | 'not-set' = 'not-set'): EndpointView => ({
  id,
  name: id,
  provider: 'custom',
  baseURL: `https://${id}.example/v1`,
  tier: 'cloud',
  models: ['m'],
  prices: {},
  enabled: true,
  key: { endpointId: id, state, source: state === 'set' ? 'keychain' : null },
})

const overview = (...endpoints: EndpointView[]): EndpointsOverview => ({
  endpoints,
  fromEnvironment: [],
  keychain: { available: true, message: null },
  settings: { file: '/data/settings.json', problem: null },
  envKeys: [],
  orphanKeys: [],
  presets: [],
})

const run = (...actions: SettingsAction[]): SettingsState => actions.reduce(settingsReducer, initialSettings)

describe('settings reducer', () => {
  it('a key set updates only the status, clears the stale test result, and holds no key', () => {
    const s = run(
      { type: 'list/succeeded', overview: overview(view('a')) },
      { type: 'test/succeeded', id: 'a', result: { endpointId: 'a', ok: false, kind: 'no-key', message: 'No key', httpStatus: null, models: [], ms: 1 } },
      { type: 'key/requested', id: 'a' },
      { type: 'key/succeeded', id: 'a', status: { endpointId: 'a', state: 'set', source: 'keychain' }, message: 'Key stored in the OS keychain.' },
    )
    expect(s.overview!.endpoints[0]!.key.state).toBe('set')
    expect(s.tests.a).toBeUndefined()
    expect(s.keyOps.a).toEqual({ busy: false, message: 'Key stored in the OS keychain.', error: null })
  })

  it('form: opened from a preset, edited, rejected per field, saved into the list', () => {
    let s = run({ type: 'list/succeeded', overview: overview() }, { type: 'form/opened', mode: 'create', draft: draftFromEndpoint({ id: 'openai', name: 'OpenAI', provider: 'openai', baseURL: 'https://api.openai.com/v1', tier: 'cloud', enabled: true }) })
    s = settingsReducer(s, { type: 'form/invalid', fieldErrors: { models: 'bad' } })
    s = settingsReducer(s, { type: 'form/changed', field: 'models', value: 'gpt-4o-mini' })
    expect(s.form!.fieldErrors).toEqual({})
    s = settingsReducer(s, { type: 'form/saved', endpoint: view('openai') })
    expect(s.form).toBeNull()
    expect(s.overview!.endpoints.map((e) => e.id)).toEqual(['openai'])
  })

  it('remove asks first, then drops the row and its results', () => {
    let s = run({ type: 'list/succeeded', overview: overview(view('a'), view('b')) }, { type: 'remove/asked', id: 'a' })
    expect(s.confirmRemove).toBe('a')
    s = settingsReducer(s, { type: 'remove/requested', id: 'a' })
    s = settingsReducer(s, { type: 'remove/succeeded', id: 'a' })
    expect(s.overview!.endpoints.map((e) => e.id)).toEqual(['b'])
    expect(s.confirmRemove).toBeNull()
  })

  it('labels a key only as set / not set', () => {
    expect(keyLabel({ endpointId: 'a', state: 'set', source: 'keychain' })).toBe('SET (KEYCHAIN)')
    expect(keyLabel({ endpointId: 'a', state: 'set', source: 'env' })).toBe('SET (ENV)')
    expect(keyLabel({ endpointId: 'a', state: 'not-set', source: null })).toBe('NOT SET')
  })
})

describe('draftToEndpoint', () => {
  it('turns the typed form into an endpoint: models per line or comma, prices per line', () => {
    const out = draftToEndpoint({ ...emptyDraft, id: 'lab', name: 'Lab', baseURL: ' http://10.0.0.2:8000/v1 ', models: 'a, b\nc', prices: 'a 0.1 0.2\n' })
    expect(out).toEqual({ ok: true, endpoint: { id: 'lab', name: 'Lab', provider: 'custom', baseURL: 'http://10.0.0.2:8000/v1', tier: 'cloud', models: ['a', 'b', 'c'], prices: { a: { inputPerMTok: 0.1, outputPerMTok: 0.2 } }, enabled: true } })
  })

  it('reports each bad field, including a key smuggled into the base URL', () => {
    const out = draftToEndpoint({ ...emptyDraft, id: 'Bad Id', name: '', baseURL: 'https://u:sk-secret@x.example/v1', prices: 'a one two' })
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(Object.keys(out.fieldErrors).sort()).toEqual(['baseURL', 'id', 'name', 'prices'])
    expect(out.fieldErrors.baseURL).toMatch(/must not contain a user name or password/)
    expect(JSON.stringify(out)).not.toContain('sk-secret')
  })
})
