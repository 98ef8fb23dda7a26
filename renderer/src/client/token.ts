/**
 * The headless host prints http://127.0.0.1:PORT/#token=XYZ. The fragment never reaches a
 * server or a Referer header; at startup we take the token from it, keep it in
 * sessionStorage (this tab only, gone when the tab closes) and scrub it from the address bar.
 */
export const TOKEN_STORAGE_KEY = 'routellm.token'

const MAX_TOKEN_LENGTH = 1024

/** Read `token` from a location.hash ("#token=XYZ&other=1"); the rest of the hash is kept. */
export function parseHashToken(hash: string): { token: string | null; rest: string } {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash
  if (!raw.includes('token=')) return { token: null, rest: raw }
  const params = new URLSearchParams(raw)
  const value = params.get('token')
  params.delete('token')
  const token = value !== null && value.trim() !== '' && value.length <= MAX_TOKEN_LENGTH ? value.trim() : null
  return { token, rest: params.toString() }
}

export interface TokenEnvironment {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>
  history: Pick<History, 'replaceState' | 'state'>
  /** null when storage is unavailable (privacy mode, sandboxed frame). */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null
}

/**
 * Take the token from the fragment if present (and remove it from the address bar), else
 * reuse the one this tab stored earlier (a reload). Returns null when there is none.
 */
export function bootstrapToken(env: TokenEnvironment): string | null {
  const { token, rest } = parseHashToken(env.location.hash)
  if (env.location.hash.includes('token=')) {
    const url = `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`
    try {
      env.history.replaceState(env.history.state, '', url)
    } catch {
      // replaceState can throw in odd embeddings; the token is still used.
    }
  }
  if (token !== null) {
    try {
      env.storage?.setItem(TOKEN_STORAGE_KEY, token)
    } catch {
      // storage full or denied: keep the token in memory only
    }
    return token
  }
  try {
    const stored = env.storage?.getItem(TOKEN_STORAGE_KEY) ?? null
    return stored && stored.length <= MAX_TOKEN_LENGTH ? stored : null
  } catch {
    return null
  }
}

/** sessionStorage, or null where touching it throws. */
export function safeSessionStorage(win: Window): Storage | null {
  try {
    return win.sessionStorage
  } catch {
    return null
  }
}
