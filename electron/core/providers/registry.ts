import type { Tier } from '../../../shared/decision'
import type { EndpointConfig } from '../../../shared/endpoints'
import { OllamaBridge } from '../ollama/bridge'
import type { EndpointSource } from './endpoint-source'
import { endpointLabel } from './errors'
import { OllamaProvider, chooseDefaultLocalModel } from './ollama-provider'
import { OpenAIProvider } from './openai-provider'
import { ProviderError, type Arm, type Provider } from './types'

export interface Timeouts {
  /** Until the first token: local models may need to load first, so they get longer. */
  firstTokenMs: Record<Tier, number>
  /** Silence allowed between chunks once text flows. */
  idleMs: number
  /**
   * The whole of a non-streamed answer (a gateway client that asked for plain JSON): nothing
   * arrives before its end, so no first-token or idle clock can tell a slow model from a hung
   * one, and this one deadline covers the first-token wait plus the generation of a long answer.
   * Defaults to `DEFAULT_TIMEOUTS.answerMs`.
   */
  answerMs?: Record<Tier, number>
}

/**
 * The answer deadlines are the first-token wait plus room for a long answer: about 4,000
 * tokens at a slow cloud's ~50 tokens/s (80 s) on top of the cloud's 30 s, and at a small
 * local model's ~20 tokens/s (200 s) on top of the 120 s a model may take to load.
 */
export const DEFAULT_TIMEOUTS = {
  firstTokenMs: { local: 120_000, cloud: 30_000 },
  idleMs: 30_000,
  answerMs: { local: 320_000, cloud: 120_000 },
} satisfies Timeouts

/**
 * Timeouts from ROUTELLM_FIRST_TOKEN_TIMEOUT_MS, ROUTELLM_LOCAL_FIRST_TOKEN_TIMEOUT_MS,
 * ROUTELLM_STREAM_IDLE_TIMEOUT_MS, ROUTELLM_ANSWER_TIMEOUT_MS, ROUTELLM_LOCAL_ANSWER_TIMEOUT_MS.
 */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): Timeouts {
  const ms = (value: string | undefined, fallback: number) => {
    const n = Number(value)
    return value && Number.isFinite(n) && n > 0 ? n : fallback
  }
  return {
    firstTokenMs: {
      local: ms(env.ROUTELLM_LOCAL_FIRST_TOKEN_TIMEOUT_MS, DEFAULT_TIMEOUTS.firstTokenMs.local),
      cloud: ms(env.ROUTELLM_FIRST_TOKEN_TIMEOUT_MS, DEFAULT_TIMEOUTS.firstTokenMs.cloud),
    },
    idleMs: ms(env.ROUTELLM_STREAM_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUTS.idleMs),
    answerMs: {
      local: ms(env.ROUTELLM_LOCAL_ANSWER_TIMEOUT_MS, DEFAULT_TIMEOUTS.answerMs.local),
      cloud: ms(env.ROUTELLM_ANSWER_TIMEOUT_MS, DEFAULT_TIMEOUTS.answerMs.cloud),
    },
  }
}

export type KeyState = 'set' | 'missing' | 'not-needed' | 'unknown'

const NO_MODELS: readonly string[] = Object.freeze([])
const SETTLED = Promise.resolve()

/**
 * What routing reads on every request, worked out once per version of the source's list:
 * an endpoint by id, and the arms of each tier. An Ollama endpoint without configured models
 * offers the model chosen from what it has installed, so the arms are also worked out again
 * when a probe found another set of installed or loaded models.
 */
interface Configuration {
  list: readonly EndpointConfig[]
  byId: ReadonlyMap<string, EndpointConfig>
  arms: Readonly<Record<Tier | 'all', readonly Arm[]>>
  /** The installed and loaded models each chosen Ollama model was chosen from (arrays a probe replaces, never changes). */
  chosenFrom: ReadonlyArray<{ ollama: OllamaProvider; models: OllamaProvider['models']; loaded: OllamaProvider['loaded'] }>
}

export interface ProviderRegistryOptions {
  source: EndpointSource
  /** The engine's auto-detecting bridge; serves the Ollama endpoint with id `sharedOllamaId`. */
  bridge: OllamaBridge
  sharedOllamaId?: string
  timeouts?: Timeouts
  /** Ollama keep_alive for chats. */
  keepAlive?: string | number
  /** Replaces fetch for cloud clients (tests inject network failures). */
  cloudFetch?: typeof fetch
  log?: (line: string) => void
}

/** Whether a probe replaced the installed or loaded models a chosen Ollama model was chosen from. */
const probedSince = (c: Configuration['chosenFrom'][number]) => c.ollama.models !== c.models || c.ollama.loaded !== c.loaded

/**
 * Builds and caches one client per endpoint from the endpoint source, lists the configured
 * arms, and knows which endpoints have a key (never the key itself outside the clients).
 * Clients are rebuilt when the source reports a change.
 */
export class ProviderRegistry {
  readonly timeouts: Timeouts
  private readonly clients = new Map<string, Provider>()
  private readonly building = new Map<string, Promise<Provider>>()
  private readonly keys = new Map<string, KeyState>()
  private readonly ollamas = new Map<string, OllamaProvider>()
  private readonly off: () => void
  private readonly listeners = new Set<(changed: readonly string[]) => void>()
  private timer: NodeJS.Timeout | undefined
  private generation = 0
  private lastEndpoints = new Map<string, string>()
  private current: Configuration | null = null
  private readonly keysLooked: Promise<void>
  private discovery: Promise<void> | null = null
  private discoveryOver = false
  /** A tier that looked empty and is being (or was) re-probed; forgotten once it has arms again. */
  private readonly reprobes = new Map<Tier, { running: Promise<void>; over: boolean }>()

  constructor(private readonly options: ProviderRegistryOptions) {
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
    this.off = options.source.onChange(() => this.reload())
    this.snapshotEndpoints()
    this.keysLooked = this.refreshKeys()
  }

  /** Every endpoint the source lists, enabled or not. */
  all(): readonly EndpointConfig[] {
    return this.configuration().list
  }

  endpoint(id: string): EndpointConfig | undefined {
    return this.configuration().byId.get(id)
  }

  /**
   * Configured arms of enabled endpoints (health not considered), of one tier or all. The
   * same frozen array is returned until the configuration changes: callers never copy it.
   */
  arms(tier?: Tier): readonly Arm[] {
    const { arms } = this.configuration()
    return tier ? arms[tier] : arms.all
  }

  /**
   * The models an endpoint offers as arms: the configured ones; for an Ollama endpoint with
   * none configured, the one chosen from what is installed (see chooseDefaultLocalModel).
   */
  modelsOf(endpoint: EndpointConfig): readonly string[] {
    if (endpoint.models.length > 0) return endpoint.models
    if (endpoint.provider !== 'ollama') return NO_MODELS
    const ollama = this.ollama(endpoint)
    const chosen = chooseDefaultLocalModel(ollama.models, ollama.loaded)
    return chosen ? [chosen] : NO_MODELS
  }

  keyState(endpointId: string): KeyState {
    const endpoint = this.endpoint(endpointId)
    if (!endpoint || endpoint.provider === 'ollama') return 'not-needed'
    return this.keys.get(endpointId) ?? 'unknown'
  }

  /** The Ollama client of an Ollama endpoint (created on first use). */
  ollama(endpoint: EndpointConfig): OllamaProvider {
    let provider = this.ollamas.get(endpoint.id)
    if (!provider || provider.endpoint.baseURL !== endpoint.baseURL) {
      const shared = endpoint.id === (this.options.sharedOllamaId ?? 'ollama')
      const bridge = shared ? this.options.bridge : new OllamaBridge({ hosts: [endpoint.baseURL] })
      provider = new OllamaProvider(endpoint, bridge, this.options.keepAlive !== undefined ? { keepAlive: this.options.keepAlive } : {})
      this.ollamas.set(endpoint.id, provider)
    }
    return provider
  }

  /** The client for an endpoint. Throws ProviderError('misconfigured') when it cannot be built (no key, unknown id). */
  async provider(endpointId: string): Promise<Provider> {
    const cached = this.clients.get(endpointId)
    if (cached) return cached
    const endpoint = this.endpoint(endpointId)
    if (!endpoint) throw new ProviderError('misconfigured', `endpoint "${endpointId}" is not configured`)
    if (endpoint.provider === 'ollama') {
      const provider = this.ollama(endpoint)
      this.clients.set(endpointId, provider)
      return provider
    }
    let pending = this.building.get(endpointId)
    if (!pending) {
      const generation = this.generation
      pending = (async () => {
        const key = await this.options.source.apiKey(endpointId)
        this.keys.set(endpointId, key ? 'set' : endpoint.provider === 'custom' ? 'not-needed' : 'missing')
        if (!key && endpoint.provider !== 'custom') {
          throw new ProviderError('misconfigured', `${endpointLabel(endpoint)} has no API key: add one in Settings (or ROUTELLM_CLOUD_API_KEY)`)
        }
        const provider = new OpenAIProvider(endpoint, key, {
          requestTimeoutMs: this.timeouts.firstTokenMs.cloud,
          ...(this.options.cloudFetch ? { fetch: this.options.cloudFetch } : {}),
        })
        if (generation === this.generation) this.clients.set(endpointId, provider)
        return provider
      })().finally(() => this.building.delete(endpointId))
      this.building.set(endpointId, pending)
    }
    return pending
  }

  /** Probe every Ollama endpoint again and refresh their model lists. */
  async refreshLocal(): Promise<void> {
    await Promise.all(
      this.all()
        .filter((e) => e.provider === 'ollama' && e.enabled)
        .map((e) =>
          this.ollama(e)
            .refresh(true)
            .catch(() => {}),
        ),
    )
  }

  /**
   * Resolves once the first discovery ended: every Ollama endpoint probed (each probe is
   * bounded by the bridge's probe timeout) and every cloud key looked up. Never rejects.
   * Deciding before this would call a running Ollama or a configured cloud "unavailable".
   */
  discovered(): Promise<void> {
    this.discovery ??= Promise.all([this.refreshLocal(), this.keysLooked]).then(() => {
      this.discoveryOver = true
    })
    return this.discovery
  }

  /** Whether discovery found nothing to answer with in a tier: no model, or only endpoints without a key. Health aside. */
  looksEmpty(tier: Tier): boolean {
    for (const arm of this.arms(tier)) if (this.keyState(arm.endpoint) !== 'missing') return false
    return true
  }

  /**
   * After the first discovery, a tier that looks empty is probed once more before it is
   * declared unavailable (Ollama may have been starting, a key lookup may have been slow).
   * Concurrent callers share that probe; later callers do not repeat it until the tier has
   * had arms again, so an absent Ollama costs one extra probe, not one per decision.
   */
  ensureDiscovered(): Promise<void> {
    return this.discoveryOver ? this.reprobed() : this.discovered().then(() => this.reprobed())
  }

  /** Resolves when the re-probes of the tiers that look empty ended (at once, with nothing to wait for, once they did). */
  private reprobed(): Promise<void> {
    // Both probes start before either is awaited; neither rejects.
    const local = this.reprobe('local')
    const cloud = this.reprobe('cloud')
    return local || cloud ? Promise.all([local, cloud]).then(() => undefined) : SETTLED
  }

  /** The running probe of a tier that looks empty (started once); undefined when the tier has arms or its probe ended. */
  private reprobe(tier: Tier): Promise<void> | undefined {
    if (!this.looksEmpty(tier)) {
      this.reprobes.delete(tier)
      return undefined
    }
    let reprobe = this.reprobes.get(tier)
    if (!reprobe) {
      const started = { running: SETTLED, over: false }
      started.running = (tier === 'local' ? this.refreshLocal() : this.refreshKeys()).then(() => {
        started.over = true
      })
      this.reprobes.set(tier, (reprobe = started))
    }
    return reprobe.over ? undefined : reprobe.running
  }

  /** Re-probe Ollama every `intervalMs` in the background (the timer never keeps the process alive). */
  startAutoRefresh(intervalMs = 30_000): void {
    // Fire-and-forget: neither rejects (each probe catches its own failure), and deciders await discovered() themselves.
    void this.discovered()
    this.timer ??= setInterval(() => void this.refreshLocal(), intervalMs).unref()
  }

  /** Called after the source changed, with the ids of endpoints whose settings changed (keys may have changed for any). */
  onChange(listener: (changed: readonly string[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    clearInterval(this.timer)
    this.off()
  }

  /**
   * The configuration in force. The source's list is asked every time (a settings file edited
   * by another process is noticed on that read) but costs only its identity check while it is
   * the same array.
   */
  private configuration(): Configuration {
    const list = this.options.source.list()
    const current = this.current
    if (current?.list === list && !current.chosenFrom.some(probedSince)) return current
    this.current = this.configure(list)
    return this.current
  }

  private configure(list: readonly EndpointConfig[]): Configuration {
    const byId = new Map<string, EndpointConfig>()
    for (const endpoint of list) if (!byId.has(endpoint.id)) byId.set(endpoint.id, endpoint)
    const arms: Record<Tier, Arm[]> = { local: [], cloud: [] }
    const all: Arm[] = []
    const chosenFrom: Configuration['chosenFrom'][number][] = []
    for (const endpoint of list) {
      if (!endpoint.enabled) continue
      if (endpoint.provider === 'ollama' && endpoint.models.length === 0) {
        const ollama = this.ollama(endpoint)
        chosenFrom.push({ ollama, models: ollama.models, loaded: ollama.loaded })
      }
      for (const model of this.modelsOf(endpoint)) {
        const arm = Object.freeze({ endpoint: endpoint.id, model, tier: endpoint.tier })
        arms[endpoint.tier].push(arm)
        all.push(arm)
      }
    }
    return {
      list,
      byId,
      arms: { local: Object.freeze(arms.local), cloud: Object.freeze(arms.cloud), all: Object.freeze(all) },
      chosenFrom,
    }
  }

  private snapshotEndpoints(): void {
    this.lastEndpoints = new Map(this.all().map((e) => [e.id, JSON.stringify(e)]))
  }

  private reload(): void {
    const before = this.lastEndpoints
    this.current = null
    this.snapshotEndpoints()
    const changed = new Set<string>()
    for (const [id, json] of this.lastEndpoints) if (before.get(id) !== json) changed.add(id)
    for (const id of before.keys()) if (!this.lastEndpoints.has(id)) changed.add(id)
    // A key may have changed without the endpoint changing: every cloud client is rebuilt.
    this.generation += 1
    this.clients.clear()
    // Never rejects (a key lookup that fails reads as 'unknown'): listeners hear of the change once keys are known.
    void this.refreshKeys().then(() => {
      for (const listener of this.listeners) listener([...changed])
    })
  }

  private async refreshKeys(): Promise<void> {
    const cloud = this.all().filter((e) => e.provider !== 'ollama')
    await Promise.all(
      cloud.map(async (e) => {
        try {
          const key = await this.options.source.apiKey(e.id)
          this.keys.set(e.id, key ? 'set' : e.provider === 'custom' ? 'not-needed' : 'missing')
        } catch {
          this.keys.set(e.id, 'unknown')
        }
      }),
    )
  }
}
