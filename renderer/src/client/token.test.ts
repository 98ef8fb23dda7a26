import { describe, expect, it } from 'vitest'
import { bootstrapToken, parseHashToken, TOKEN_STORAGE_KEY, type TokenEnvironment } from './token'

function env(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>()
  if (stored !== null) storage.set(TOKEN_STORAGE_KEY, stored)
  const replaced: string[] = []
  const e: TokenEnvironment = {
    location: { hash, pathname: '/', search: '?x=1' },
    history: { state: null, replaceState: (_s, _t, url) => void replaced.push(String(url)) },
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  }
  return { e, storage, replaced }
}

describe('parseHashToken', () => {
  it('reads the token and keeps the rest of the fragment', () => {
    expect(parseHashToken('#token=abc123')).toEqual({ token: 'abc123', rest: '' })
    expect(parseHashToken('#token=abc&view=x')).toEqual({ token: 'abc', rest: 'view=x' })
    expect(parseHashToken('token=a%2Bb')).toEqual({ token: 'a+b', rest: '' })
  })

  it('returns null for no token or an empty one', () => {
    expect(parseHashToken('')).toEqual({ token: null, rest: '' })
    expect(parseHashToken('#section')).toEqual({ token: null, rest: 'section' })
    expect(parseHashToken('#token=')).toEqual({ token: null, rest: '' })
    expect(parseHashToken(`#token=${'x'.repeat(5000)}`).token).toBeNull()
  })
})

describe('bootstrapToken', () => {
  it('takes the token from the fragment, stores it, and scrubs the address bar', () => {
    const { e, storage, replaced } = env('#token=XYZ')
    expect(bootstrapToken(e)).toBe('XYZ')
    expect(storage.get(TOKEN_STORAGE_KEY)).toBe('XYZ')
    expect(replaced).toEqual(['/?x=1'])
  })

  it('keeps other fragment parameters when scrubbing', () => {
    const { e, replaced } = env('#token=XYZ&tab=2')
    bootstrapToken(e)
    expect(replaced).toEqual(['/?x=1#tab=2'])
  })

  it('prefers a fresh fragment token over a stored one (host restarted)', () => {
    const { e, storage } = env('#token=NEW', 'OLD')
    expect(bootstrapToken(e)).toBe('NEW')
    expect(storage.get(TOKEN_STORAGE_KEY)).toBe('NEW')
  })

  it('falls back to the stored token on reload, without touching history', () => {
    const { e, replaced } = env('', 'STORED')
    expect(bootstrapToken(e)).toBe('STORED')
    expect(replaced).toEqual([])
  })

  it('returns null when there is none, and survives storage that throws', () => {
    expect(bootstrapToken(env('').e)).toBeNull()
    const { e } = env('#token=T')
    e.storage = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    expect(bootstrapToken(e)).toBe('T')
    e.location = { hash: '', pathname: '/', search: '' }
    expect(bootstrapToken(e)).toBeNull()
    expect(bootstrapToken({ ...env('#token=Q').e, storage: null })).toBe('Q')
  })
})
