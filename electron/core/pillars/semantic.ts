/**
 * Pillar 2, the semantic router: embeds the prompt with the active embedding model and
 * compares it with labelled intent clusters. The score is the margin between the nearest
 * cloud cluster and the nearest local cluster, mapped onto 0–100 around the policy
 * threshold; the reason names the nearest clusters and their similarities. When the model
 * is missing, corrupt or still loading, the pillar abstains and says why.
 */
import { abstain, type Pillar, type PillarInput } from './pillar'
import type { PillarVerdict } from '../../../shared/decision'
import { ClusterStore, defaultClustersFile, type Cluster } from '../semantic/clusters'
import { createEmbedder, type Embedder, type EmbedderOptions, type LoadedModel } from '../semantic/embedder'
import { defaultModelsRoot } from '../semantic/models'
import { buildClusterIndex, isZero, scoreVector, type ClusterIndex, type ClusterMatch } from '../semantic/scoring'
import { SemanticSettings, thresholdsFor, type SemanticSettingsInput } from '../semantic/settings'
import { errorMessage } from '../../../shared/errors'
import { round } from '../../../shared/numbers'
import { msSince } from '../lib/elapsed'
import { withTimeout } from '../lib/with-timeout'

export interface SemanticPillarOptions {
  /** Bundled models root (resources/models); default: found from this file or process.resourcesPath. */
  modelsRoot?: string
  /** The user's model folder, <dataDir>/models. */
  userModelsDir?: string
  /** Shipped clusters (resources/clusters/default.json); default: found like modelsRoot. */
  clustersFile?: string
  /** The user's clusters, <dataDir>/clusters.json; without it only the defaults are used. */
  userClustersFile?: string
  /** Hears about a damaged user cluster file (the built-in clusters stand in for it). */
  clusterLog?: (line: string) => void
  /** Use this store instead of building one from the two files. */
  clusterStore?: ClusterStore
  /**
   * Semantic settings, or a getter for live ones. A `semantic` object inside the policy a
   * decision runs with takes precedence, once the policy schema carries it.
   */
  settings?: SemanticSettingsInput | (() => SemanticSettingsInput)
  /** Tests inject a different embedder. */
  embedderFactory?: (opts: EmbedderOptions) => Embedder
  /** The clock of the re-embed back-off (tests move a fake one). */
  now?: () => number
}

/** The first wait after a failed re-embed while older clusters are in force; each failure in a row doubles it. */
export const REEMBED_RETRY_MS = 5_000
/** The longest wait between two tries. */
export const REEMBED_RETRY_MAX_MS = 5 * 60_000

export type SemanticState = 'idle' | 'loading' | 'ready' | 'error'

export interface SemanticStatus {
  model: string
  state: SemanticState
  error: string | null
  loaded: LoadedModel | null
  clusters: number
  utterances: number
  /** False while the active model's thresholds are shipped guesses (doctor warns). */
  calibrated: boolean
  /**
   * After a failed re-embed while older clusters stay in force: when the next try may start
   * (epoch ms; the first decision or reload from then on starts it). Null otherwise.
   */
  retryAt: number | null
}

export interface SemanticPillar extends Pillar {
  readonly id: 'semantic'
  readonly store: ClusterStore
  /** Starts loading the model and embedding the clusters, off the decision path. */
  warmup(modelId?: string): Promise<SemanticStatus>
  status(modelId?: string): SemanticStatus
  /**
   * Re-reads the cluster files and re-embeds (after outside edits). Store edits do this already.
   * Rejects when the re-embed fails (the clusters in force then stay, see `retryAt`).
   */
  reloadClusters(): Promise<void>
  /** The embedder of a model (created on first use). */
  embedder(modelId?: string): Embedder
  dispose(): Promise<void>
}

interface Runtime {
  embedder: Embedder
  state: SemanticState
  error: string | null
  index: Promise<ClusterIndex> | null
  indexed: ClusterIndex | null
  indexRevision: number
  /** Failed re-embeds in a row while `indexed` stayed in force, and when the next may start. */
  failures: number
  retryAt: number | null
}

const policySettingsCache = new WeakMap<object, SemanticSettings | null>()

function fromPolicy(policy: unknown): SemanticSettings | null {
  if (!policy || typeof policy !== 'object') return null
  if (policySettingsCache.has(policy)) return policySettingsCache.get(policy)!
  const raw = (policy as Record<string, unknown>)['semantic']
  const parsed = raw === undefined ? null : SemanticSettings.safeParse(raw)
  const value = parsed && parsed.success ? parsed.data : null
  policySettingsCache.set(policy, value)
  return value
}

const fmt = (s: number) => s.toFixed(2)
const signed = (s: number) => (s >= 0 ? '+' : '') + s.toFixed(2)
const brief = (m: ClusterMatch | null) => (m ? { id: m.id, name: m.name, tier: m.tier, similarity: round(m.similarity, 3) } : null)

class Timeout extends Error {}

export function createSemanticPillar(opts: SemanticPillarOptions = {}): SemanticPillar {
  const modelsRoot = opts.modelsRoot ?? defaultModelsRoot()
  const store =
    opts.clusterStore ??
    new ClusterStore({
      defaultsFile: opts.clustersFile ?? defaultClustersFile(),
      ...(opts.userClustersFile ? { userFile: opts.userClustersFile } : {}),
      ...(opts.clusterLog ? { log: opts.clusterLog } : {}),
    })
  const factory = opts.embedderFactory ?? createEmbedder
  const now = opts.now ?? Date.now
  const runtimes = new Map<string, Runtime>()
  let clusters: Promise<Cluster[]> | null = null
  let clustersRevision = 0

  const baseSettings = (): SemanticSettings => {
    const s = typeof opts.settings === 'function' ? opts.settings() : opts.settings
    return SemanticSettings.parse(s ?? {})
  }
  let cachedBase: { raw: unknown; parsed: SemanticSettings } | null = null
  const settingsFor = (input?: PillarInput): SemanticSettings => {
    const p = input ? fromPolicy(input.policy) : null
    if (p) return p
    const raw = typeof opts.settings === 'function' ? opts.settings() : opts.settings
    if (cachedBase && cachedBase.raw === raw) return cachedBase.parsed
    cachedBase = { raw, parsed: baseSettings() }
    return cachedBase.parsed
  }

  const loadClusters = (): Promise<Cluster[]> => {
    clusters ??= store.list()
    const p = clusters
    // A broken cluster file is reported once per decision, then re-read on the next one.
    p.catch(() => {
      if (clusters === p) clusters = null
    })
    return p
  }

  store.onChange((list) => {
    clusters = Promise.resolve(list)
    clustersRevision++
  })

  const runtimeOf = (modelId: string, s: SemanticSettings): Runtime => {
    let rt = runtimes.get(modelId)
    if (!rt) {
      rt = {
        embedder: factory({
          modelId,
          modelsRoot,
          ...(opts.userModelsDir ? { userModelsDir: opts.userModelsDir } : {}),
          cacheSize: s.cacheSize,
          maxChars: s.maxChars,
          ...(s.allowRemoteModels ? { autoFetch: { remoteHost: s.remoteHost } } : {}),
        }),
        state: 'idle',
        error: null,
        index: null,
        indexed: null,
        indexRevision: -1,
        failures: 0,
        retryAt: null,
      }
      runtimes.set(modelId, rt)
    }
    return rt
  }

  /** The cluster index of a model, (re)built when the model or the clusters changed. */
  const ready = (rt: Runtime): Promise<ClusterIndex> => {
    // Built or being built for these clusters (a failed build drops its promise, see below).
    if (rt.index && rt.indexRevision === clustersRevision) return rt.index
    // A re-embed of these clusters failed while older ones are in force: they keep serving until
    // the back-off ends, instead of every decision starting another try. A new edit tries at once.
    if (rt.indexed && rt.retryAt !== null && rt.indexRevision === clustersRevision && now() < rt.retryAt) return Promise.resolve(rt.indexed)
    const revision = clustersRevision
    rt.state = rt.indexed ? rt.state : 'loading'
    const p = (async () => {
      const list = await loadClusters()
      const index = await buildClusterIndex(list, rt.embedder)
      if (index.clusters.length === 0) throw new Error('no cluster has an utterance the model can embed')
      return index
    })()
    rt.index = p
    rt.indexRevision = revision
    p.then(
      (index) => {
        if (rt.index === p) {
          rt.indexed = index
          rt.state = 'ready'
          rt.error = null
          rt.failures = 0
          rt.retryAt = null
        }
      },
      (err: unknown) => {
        if (rt.index === p) {
          rt.state = 'error'
          rt.error = errorMessage(err)
          // Without clusters in force the next decision retries (the embedder rate-limits model
          // reloads); with them, the next try waits a growing delay.
          rt.index = null
          if (rt.indexed) {
            rt.failures++
            rt.retryAt = now() + Math.min(REEMBED_RETRY_MAX_MS, REEMBED_RETRY_MS * 2 ** (rt.failures - 1))
          }
        }
      },
    )
    return p
  }

  const statusOf = (modelId: string): SemanticStatus => {
    const s = settingsFor()
    const rt = runtimes.get(modelId)
    const idx = rt?.indexed ?? null
    return {
      model: modelId,
      state: rt?.state ?? 'idle',
      error: rt?.error ?? null,
      loaded: rt?.embedder.model ?? null,
      clusters: idx?.clusters.length ?? 0,
      utterances: idx?.clusters.reduce((n, c) => n + c.vectors.length, 0) ?? 0,
      calibrated: thresholdsFor(s, modelId).calibrated,
      retryAt: rt?.retryAt ?? null,
    }
  }

  async function evaluate(input: PillarInput): Promise<PillarVerdict> {
    const t0 = performance.now()
    const ms = () => msSince(t0)
    const s = settingsFor(input)
    const modelId = s.model
    if (!input.prompt.trim()) return abstain('semantic', 'empty prompt: nothing to compare', ms())
    const rt = runtimeOf(modelId, s)
    let index: ClusterIndex
    try {
      // After a cluster change the index is rebuilt in the background: decisions keep the one in force meanwhile.
      const next = ready(rt)
      index = rt.indexed ?? (await withTimeout(next, s.loadTimeoutMs, () => new Timeout(), input.signal))
    } catch (err) {
      if (err instanceof Timeout) {
        return abstain('semantic', `embedding model "${modelId}" is still loading (waited ${s.loadTimeoutMs} ms)`, ms(), { model: modelId })
      }
      if (input.signal?.aborted) return abstain('semantic', 'decision aborted before the embedding was ready', ms(), { model: modelId })
      const msg = errorMessage(err)
      return abstain('semantic', `semantic router unavailable: ${msg}`, ms(), {
        model: modelId,
        error: (err as { code?: string }).code ?? 'error',
      })
    }
    let vector: Float32Array
    const hitsBefore = rt.embedder.cacheStats().hits
    try {
      const [v] = await rt.embedder.embed([input.prompt])
      vector = v!
    } catch (err) {
      return abstain('semantic', `embedding failed: ${errorMessage(err)}`, ms(), { model: modelId })
    }
    const cacheHit = rt.embedder.cacheStats().hits > hitsBefore
    if (isZero(vector)) {
      return abstain('semantic', `the prompt has no word the embedding model "${modelId}" knows`, ms(), { model: modelId })
    }
    const thresholds = thresholdsFor(s, modelId)
    const r = scoreVector(vector, index, {
      aggregation: s.aggregation,
      topK: s.topK,
      thresholds,
      policyThreshold: input.policy.threshold,
    })
    const nearest = r.ranked[0] ?? null
    let reason: string
    if (r.margin === null || !nearest) {
      reason = `no intent cluster is similar enough (nearest "${nearest?.name ?? '-'}" at ${fmt(nearest?.similarity ?? 0)} is under its threshold)`
    } else {
      const other = nearest.tier === 'cloud' ? r.nearestLocal : r.nearestCloud
      reason =
        `nearest intent cluster "${nearest.name}" (${nearest.tier}) at similarity ${fmt(nearest.similarity)}` +
        (other
          ? `; nearest ${other.tier} cluster "${other.name}" at ${fmt(other.similarity)}`
          : `; no ${nearest.tier === 'cloud' ? 'local' : 'cloud'} cluster matches`) +
        ` (margin ${signed(r.margin)} toward ${r.margin - thresholds.center >= 0 ? 'cloud' : 'local'})`
    }
    if (!thresholds.calibrated && thresholds.source === 'uncalibrated-default') {
      reason += `; thresholds for model "${modelId}" were never calibrated`
    }
    return {
      pillar: 'semantic',
      status: 'scored',
      score: r.score,
      confidence: r.confidence,
      reason,
      ms: ms(),
      detail: {
        model: modelId,
        nearest: brief(nearest),
        nearestCloud: brief(r.nearestCloud),
        nearestLocal: brief(r.nearestLocal),
        margin: r.margin === null ? null : round(r.margin, 3),
        top: r.ranked.slice(0, 3).map(brief),
        aggregation: s.aggregation,
        topK: s.topK,
        calibrated: thresholds.calibrated,
        cacheHit,
      },
    }
  }

  return {
    id: 'semantic',
    store,
    evaluate,
    async warmup(modelId) {
      const s = settingsFor()
      const id = modelId ?? s.model
      const rt = runtimeOf(id, s)
      await ready(rt).catch(() => undefined)
      return statusOf(id)
    },
    status: (modelId) => statusOf(modelId ?? settingsFor().model),
    async reloadClusters() {
      clusters = null
      clustersRevision++
      const s = settingsFor()
      const rt = runtimes.get(s.model)
      if (rt) await ready(rt)
    },
    embedder: (modelId) => {
      const s = settingsFor()
      return runtimeOf(modelId ?? s.model, s).embedder
    },
    async dispose() {
      const all = [...runtimes.values()]
      runtimes.clear()
      await Promise.all(all.map((rt) => rt.embedder.dispose()))
    },
  }
}
