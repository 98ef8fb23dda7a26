import { EndpointConfig, type ProviderKind } from '../../../shared/endpoints'
import { normalizeOllamaHost } from '../ollama/hosts'

/**
 * Where the engine learns which endpoints exist and their keys. Two implementations: the
 * environment quick-config below (headless: one local, one cloud endpoint), and the
 * settings file + OS keychain (the keys work). Combine them with `combineSources`.
 *
 * Contract for implementers:
 * - `list()` is synchronous and cheap (called on every routing decision): return a cached,
 *   already-validated array, the same array (never changed in place) until the endpoints
 *   change — the registry works out the arms again only when the identity differs; disabled
 *   endpoints may be included with `enabled: false`.
 * - `apiKey(id)` is the only way a key leaves the source. It is called inside electron/core
 *   just before a client is built, never for display; resolve null when no key is set.
 *   Implementations must not log the key or put it in an error message.
 * - `onChange(listener)` fires after endpoints or keys changed (so clients are rebuilt and
 *   circuits of a fixed endpoint reset); it returns the unsubscribe function.
 */
export interface EndpointSource {
  list(): readonly EndpointConfig[]
  apiKey(endpointId: string): Promise<string | null>
  onChange(listener: () => void): () => void
}

/** Ids used by the environment quick-config. */
export const ENV_LOCAL_ID = 'ollama'
export const ENV_CLOUD_ID = 'cloud'

const PRESET_BY_HOST: Array<[RegExp, ProviderKind]> = [
  [/(^|\.)openai\.com$/i, 'openai'],
  [/(^|\.)featherless\.ai$/i, 'featherless'],
  [/(^|\.)openrouter\.ai$/i, 'openrouter'],
]
const DEFAULT_CLOUD_MODEL: Partial<Record<ProviderKind, string>> = { openai: 'gpt-4o-mini' }

function providerFor(baseURL: string): ProviderKind {
  const host = new URL(baseURL).hostname
  return PRESET_BY_HOST.find(([pattern]) => pattern.test(host))?.[1] ?? 'custom'
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * Headless quick configuration from the environment:
 * - OLLAMA_HOST: the local endpoint "ollama" (auto-detected when unset); ROUTELLM_LOCAL_MODEL
 *   pins its model (otherwise the best installed one is chosen).
 * - ROUTELLM_CLOUD_BASE_URL, ROUTELLM_CLOUD_API_KEY, ROUTELLM_CLOUD_MODEL (comma-separated,
 *   first = default): the cloud endpoint "cloud". The key is copied into this object's memory
 *   and never written anywhere.
 * Problems (a malformed URL, a missing model) are collected in `problems`, worded without the key.
 */
export class EnvEndpointSource implements EndpointSource {
  readonly problems: string[] = []
  private readonly endpoints: EndpointConfig[] = []
  readonly #cloudKey: string | null

  constructor(env: NodeJS.ProcessEnv) {
    const localModels = list(env.ROUTELLM_LOCAL_MODEL)
    const defaultLocal = {
      id: ENV_LOCAL_ID,
      name: 'Ollama',
      provider: 'ollama',
      baseURL: 'http://127.0.0.1:11434',
      tier: 'local',
      models: localModels,
    } as const
    let local = EndpointConfig.parse(defaultLocal)
    // The value is never quoted: it may carry a user:password@.
    try {
      if (env.OLLAMA_HOST) {
        const parsedLocal = EndpointConfig.safeParse({ ...defaultLocal, baseURL: normalizeOllamaHost(env.OLLAMA_HOST) })
        if (parsedLocal.success) local = parsedLocal.data
        else this.problems.push(`OLLAMA_HOST: ${parsedLocal.error.issues[0]?.message ?? 'invalid'}`)
      }
    } catch {
      this.problems.push('OLLAMA_HOST is not an address (expected host:port, e.g. 127.0.0.1:11434)')
    }
    this.endpoints.push(local)

    const key = env.ROUTELLM_CLOUD_API_KEY?.trim() || null
    this.#cloudKey = key
    const rawURL = env.ROUTELLM_CLOUD_BASE_URL?.trim()
    if (!rawURL && !key) return
    const baseURL = (rawURL || 'https://api.openai.com/v1').replace(/\/+$/, '')
    let provider: ProviderKind
    try {
      provider = providerFor(baseURL)
    } catch {
      this.problems.push('ROUTELLM_CLOUD_BASE_URL is not a URL (expected e.g. https://api.openai.com/v1)')
      return
    }
    const models = list(env.ROUTELLM_CLOUD_MODEL)
    const fallback = DEFAULT_CLOUD_MODEL[provider]
    if (models.length === 0 && fallback) models.push(fallback)
    if (models.length === 0) this.problems.push('ROUTELLM_CLOUD_MODEL is not set: the cloud endpoint has no model to use')
    const parsed = EndpointConfig.safeParse({ id: ENV_CLOUD_ID, name: 'Cloud', provider, baseURL, tier: 'cloud', models })
    if (!parsed.success) {
      this.problems.push(`ROUTELLM_CLOUD_BASE_URL: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
      return
    }
    if (!key && provider !== 'custom') this.problems.push('ROUTELLM_CLOUD_API_KEY is not set: the cloud endpoint will be refused')
    this.endpoints.push(parsed.data)
  }

  list(): readonly EndpointConfig[] {
    return this.endpoints
  }

  async apiKey(endpointId: string): Promise<string | null> {
    return endpointId === ENV_CLOUD_ID ? this.#cloudKey : null
  }

  onChange(): () => void {
    return () => {} // the environment does not change while running
  }
}

/** A fixed list (tests, or a host that builds endpoints itself). */
export class StaticEndpointSource implements EndpointSource {
  private readonly listeners = new Set<() => void>()
  private endpoints: EndpointConfig[]
  readonly #keys: Map<string, string>

  constructor(endpoints: Array<Parameters<typeof EndpointConfig.parse>[0]>, keys: Record<string, string> = {}) {
    this.endpoints = endpoints.map((e) => EndpointConfig.parse(e))
    this.#keys = new Map(Object.entries(keys))
  }

  list(): readonly EndpointConfig[] {
    return this.endpoints
  }

  async apiKey(endpointId: string): Promise<string | null> {
    return this.#keys.get(endpointId) ?? null
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Replace endpoints and/or keys, then notify (as the settings store does after a save). */
  update(endpoints?: Array<Parameters<typeof EndpointConfig.parse>[0]>, keys?: Record<string, string | null>): void {
    if (endpoints) this.endpoints = endpoints.map((e) => EndpointConfig.parse(e))
    for (const [id, key] of Object.entries(keys ?? {})) {
      if (key === null) this.#keys.delete(id)
      else this.#keys.set(id, key)
    }
    for (const listener of this.listeners) listener()
  }
}

/**
 * Several sources as one: the first source that lists an id wins it (put the settings file
 * before the environment so saved settings override the quick-config).
 */
export function combineSources(...sources: EndpointSource[]): EndpointSource {
  const owner = (id: string) => sources.find((s) => s.list().some((e) => e.id === id))
  // The sources' lists the combined one was made from: it is made again only when one of them is a new array.
  const from: Array<readonly EndpointConfig[] | null> = sources.map(() => null)
  let combined: readonly EndpointConfig[] = []
  return {
    list() {
      let same = true
      for (let i = 0; i < sources.length; i++) {
        const list = sources[i]!.list()
        if (list === from[i]) continue
        from[i] = list
        same = false
      }
      if (same) return combined
      const seen = new Set<string>()
      const out: EndpointConfig[] = []
      for (const list of from) {
        for (const endpoint of list ?? []) {
          if (seen.has(endpoint.id)) continue
          seen.add(endpoint.id)
          out.push(endpoint)
        }
      }
      combined = out
      return combined
    },
    async apiKey(endpointId) {
      return (await owner(endpointId)?.apiKey(endpointId)) ?? null
    },
    onChange(listener) {
      const offs = sources.map((s) => s.onChange(listener))
      return () => offs.forEach((off) => off())
    },
  }
}
