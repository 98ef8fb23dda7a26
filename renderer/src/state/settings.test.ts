import { describe, expect, it } from 'vitest'
import { draftFromEndpoint, draftToEndpoint, emptyDraft, keyLabel } from './settings'

describe('keyLabel', () => {
  it('labels a key only as set / not set', () => {
    expect(keyLabel({ endpointId: 'a', state: 'set', source: 'keychain' })).toBe('SET (KEYCHAIN)')
    expect(keyLabel({ endpointId: 'a', state: 'set', source: 'env' })).toBe('SET (ENV)')
    expect(keyLabel({ endpointId: 'a', state: 'not-set', source: null })).toBe('NOT SET')
  })
})

describe('draftToEndpoint', () => {
  it('a preset becomes a draft; the models typed are added', () => {
    const draft = draftFromEndpoint({ id: 'openai', name: 'OpenAI', provider: 'openai', baseURL: 'https://api.openai.com/v1', tier: 'cloud', enabled: true })
    expect(draftToEndpoint(draft)).toMatchObject({ ok: true, endpoint: { id: 'openai', models: [] } })
    expect(draftToEndpoint({ ...draft, models: 'gpt-4o-mini' })).toMatchObject({ ok: true, endpoint: { id: 'openai', models: ['gpt-4o-mini'] } })
  })

  it('turns the typed form into an endpoint: models per line or comma, prices per line', () => {
    const out = draftToEndpoint({ ...emptyDraft, id: 'lab', name: 'Lab', baseURL: ' http://10.0.0.2:8000/v1 ', models: 'a, b\nc', prices: 'a 0.1 0.2\n' })
    expect(out).toEqual({
      ok: true,
      endpoint: {
        id: 'lab',
        name: 'Lab',
        provider: 'custom',
        baseURL: 'http://10.0.0.2:8000/v1',
        tier: 'cloud',
        models: ['a', 'b', 'c'],
        prices: { a: { inputPerMTok: 0.1, outputPerMTok: 0.2 } },
        enabled: true,
      },
    })
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
