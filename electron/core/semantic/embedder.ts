/**
 * Sentence embeddings through the @huggingface/transformers feature-extraction pipeline,
 * offline: models load from local folders only, and the library's fetch is replaced by a
 * guard so nothing can reach a hub. Loaded lazily, once (concurrent callers share the
 * load); batched; an LRU cache of prompt embeddings; clear errors for a missing or
 * corrupt model.
 */
import { LRUCache } from 'lru-cache'
import { fetchModel } from './fetch'
import { ONNX_FILE_BY_DTYPE, SemanticModelError, describeModel, locateModel, verifyModelChecksums, type ModelDescriptor, type ModelRoots } from './models'
import { loadWordLookup } from './word-lookup'
import { errorMessage } from '../../../shared/errors'

export interface EmbedderOptions extends ModelRoots {
  modelId: string
  /** Prompt embeddings kept (LRU); 0 disables the cache. Default 2048. */
  cacheSize?: number
  /**
   * Characters of prompt text the cache may hold as keys, all entries together (default
   * 2,000,000, ~4 MB). Without it 2,048 long prompts (coding contexts of 20,000 characters)
   * would keep 40–80 MB of text alive (one or two bytes a character); a prompt longer than the
   * budget is not cached.
   */
  cacheChars?: number
  /** Characters embedded per text; the rest is ignored. Default 20 000. */
  maxChars?: number
  /** Check the model folder against its SHA256SUMS before loading, when it has one. Default true. */
  verifyChecksums?: boolean
  /** ONNX Runtime intra-op threads. One is fastest for a lookup-and-mean model. Default 1. */
  threads?: number
  /** Texts per model call. Default 16. */
  batchSize?: number
  /** After a failed load, calls within this many ms get the same error without retrying (1 s at most after a passing failure such as EMFILE). Default 30 000. */
  retryAfterMs?: number
  /**
   * Only when the user allowed remote models: a model missing from both folders is
   * downloaded from this hub into userModelsDir first. Absent (the default): never.
   */
  autoFetch?: { remoteHost: string }
}

export interface LoadedModel extends ModelDescriptor {
  /** Width of the embeddings actually produced. */
  dimensions: number
  loadMs: number
  checksums: 'verified' | 'absent' | 'skipped'
}

export interface EmbedOptions {
  /** Use and fill the prompt cache (default true; cluster utterances pass false). */
  cache?: boolean
}

export interface CacheStats {
  size: number
  hits: number
  misses: number
}

export interface Embedder {
  readonly modelId: string
  /** Loads the model if needed; resolves with what was loaded, rejects with SemanticModelError. */
  load(): Promise<LoadedModel>
  /** The loaded model, or null before/without a successful load. */
  readonly model: LoadedModel | null
  /**
   * Unit-length embeddings, one per text, in order. A text with no word the model knows
   * gets an all-zero vector.
   */
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]>
  cacheStats(): CacheStats
  clearCache(): void
  /**
   * Waits for the loads and embeddings in flight, then frees the model. Calls made after
   * dispose began are refused with SemanticModelError('closed').
   */
  dispose(): Promise<void>
}

/** The part of a transformers.js Tensor the embedder reads. */
interface TensorLike {
  data: ArrayLike<number>
  dims: number[]
}
type FeaturePipeline = ((texts: string[], opts: { pooling: string; normalize: boolean }) => Promise<TensorLike>) & {
  dispose(): Promise<void>
}

let envPrepared = false
let loadChain: Promise<unknown> = Promise.resolve()

/** Thrown by the fetch guard: transformers.js must never download anything. */
const blockedFetch = (input: unknown): Promise<Response> =>
  Promise.reject(new Error(`RouteLLM loads embedding models offline; refused to fetch ${String(input)}`))

async function transformers() {
  const t = await import('@huggingface/transformers')
  if (!envPrepared) {
    t.env.allowRemoteModels = false
    t.env.allowLocalModels = true
    t.env.useFSCache = false
    t.env.useBrowserCache = false
    t.env.fetch = blockedFetch as typeof fetch
    envPrepared = true
  }
  return t
}

/** The feature-extraction pipeline of transformers.js, for models the word-lookup runtime does not cover. */
async function loadWithTransformers(desc: ModelDescriptor, threads: number): Promise<FeaturePipeline> {
  const t = await transformers()
  // One load at a time: the library's env (log level) is process-wide.
  const run = loadChain.then(async () => {
    const level = t.env.logLevel
    // Our own model type is unknown to the library, which says so at warning level.
    t.env.logLevel = t.LogLevel.ERROR
    try {
      return (await t.pipeline('feature-extraction', desc.dir, {
        local_files_only: true,
        dtype: desc.dtype,
        device: 'cpu',
        session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
      })) as unknown as FeaturePipeline
    } finally {
      t.env.logLevel = level
    }
  })
  loadChain = run.catch(() => undefined)
  return run
}

const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ENOMEM', 'EINTR'])
/** How soon a load that failed for a passing reason is tried again. */
const TRANSIENT_RETRY_MS = 1_000

/**
 * Why a load failed for a passing reason (out of file handles or memory during a burst of
 * connections, a busy file), or null. The model is fine then: the next decision tries again
 * soon, instead of the pillar staying off with a "missing" or "corrupt" verdict.
 */
export function transientLoadReason(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return errorMessage(e)
    if (/\b(?:EMFILE|ENFILE|EAGAIN|EBUSY|ENOMEM)\b|too many open files/i.test(errorMessage(e))) return errorMessage(e)
  }
  return null
}

export function createEmbedder(opts: EmbedderOptions): Embedder {
  const maxChars = opts.maxChars ?? 20_000
  const batchSize = Math.max(1, opts.batchSize ?? 16)
  const retryAfterMs = opts.retryAfterMs ?? 30_000
  const cache =
    (opts.cacheSize ?? 2048) > 0
      ? new LRUCache<string, Float32Array>({
          max: opts.cacheSize ?? 2048,
          maxSize: Math.max(1, opts.cacheChars ?? 2_000_000),
          sizeCalculation: (_vector, key) => Math.max(1, key.length),
        })
      : null
  let hits = 0
  let misses = 0
  let loading: Promise<{ pipe: FeaturePipeline; info: LoadedModel }> | null = null
  let loaded: { pipe: FeaturePipeline; info: LoadedModel } | null = null
  let failedAt = 0
  let retryDelayMs = retryAfterMs
  let closing = false
  // Freeing the ONNX session under a running call makes onnxruntime print the error and the
  // tensors to stderr, so dispose waits for every call that started before it.
  const inFlight = new Set<Promise<unknown>>()
  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work)
    const done = () => inFlight.delete(work)
    work.then(done, done)
    return work
  }
  const closedError = () => new SemanticModelError('closed', `embedding model "${opts.modelId}" was closed`)

  async function doLoad(): Promise<{ pipe: FeaturePipeline; info: LoadedModel }> {
    const t0 = performance.now()
    if (opts.autoFetch && opts.userModelsDir && !locateModel(opts.modelId, opts)) {
      await fetchModel(opts.modelId, { remoteHost: opts.autoFetch.remoteHost, destDir: opts.userModelsDir })
    }
    const desc = await describeModel(opts.modelId, opts)
    let checksums: LoadedModel['checksums'] = 'skipped'
    if (opts.verifyChecksums !== false) {
      const report = await verifyModelChecksums(desc.dir)
      if (report.status === 'mismatch') {
        throw new SemanticModelError(
          'corrupt',
          `embedding model "${desc.id}" is corrupt: ${report.mismatches.join(', ')} do not match SHA256SUMS (${desc.dir})`,
        )
      }
      checksums = report.status
    }
    let pipe: FeaturePipeline
    try {
      // Word-lookup models (the bundled one) run without transformers.js: less memory, faster calls.
      pipe =
        (await loadWordLookup(desc.dir, ONNX_FILE_BY_DTYPE[desc.dtype], { threads: opts.threads ?? 1 })) ??
        (await loadWithTransformers(desc, opts.threads ?? 1))
    } catch (err) {
      throw new SemanticModelError('corrupt', `embedding model "${desc.id}" could not be loaded (${desc.dir}): ${errorMessage(err)}`, { cause: err })
    }
    // One probe embedding: proves the graph runs and tells the real width.
    let dimensions: number
    try {
      const probe = await pipe(['routing probe'], { pooling: desc.pooling, normalize: true })
      dimensions = probe.dims[probe.dims.length - 1] ?? 0
      if (probe.dims.length !== 2 || dimensions <= 0) throw new Error(`unexpected output shape [${probe.dims.join(', ')}]`)
    } catch (err) {
      await pipe.dispose().catch(() => undefined)
      throw new SemanticModelError('corrupt', `embedding model "${desc.id}" does not produce sentence embeddings: ${errorMessage(err)}`, {
        cause: err,
      })
    }
    return { pipe, info: { ...desc, dimensions, loadMs: performance.now() - t0, checksums } }
  }

  function load(): Promise<LoadedModel> {
    if (closing) return Promise.reject(closedError())
    if (loaded) return Promise.resolve(loaded.info)
    if (loading && (failedAt === 0 || performance.now() - failedAt < retryDelayMs)) return loading.then((l) => l.info)
    failedAt = 0
    loading = doLoad().then(
      (l) => {
        loaded = l
        return l
      },
      (err: unknown) => {
        failedAt = performance.now()
        const passing = transientLoadReason(err)
        retryDelayMs = passing ? Math.min(retryAfterMs, TRANSIENT_RETRY_MS) : retryAfterMs
        if (passing) {
          throw new SemanticModelError(
            'load-failed',
            `embedding model "${opts.modelId}" could not be loaded just now (${passing}); it is tried again shortly`,
            { cause: err },
          )
        }
        throw err instanceof SemanticModelError
          ? err
          : new SemanticModelError('load-failed', `embedding model "${opts.modelId}" failed to load: ${errorMessage(err)}`, {
              cause: err,
            })
      },
    )
    loading.catch(() => undefined)
    return loading.then((l) => l.info)
  }

  async function run(texts: string[]): Promise<Float32Array[]> {
    const { pipe, info } = loaded ?? (await load(), loaded!)
    const out: Float32Array[] = []
    for (let i = 0; i < texts.length; i += batchSize) {
      const chunk = texts.slice(i, i + batchSize)
      let t: TensorLike
      try {
        t = await pipe(chunk, { pooling: info.pooling, normalize: true })
      } catch (err) {
        throw new SemanticModelError('load-failed', `embedding failed with model "${info.id}": ${errorMessage(err)}`, { cause: err })
      }
      const d = info.dimensions
      for (let k = 0; k < chunk.length; k++) {
        const v = new Float32Array(d)
        let finite = true
        for (let j = 0; j < d; j++) {
          const x = t.data[k * d + j]!
          if (!Number.isFinite(x)) finite = false
          v[j] = x
        }
        // A text of unknown words pools to zero and normalises to NaN: report it as zero.
        out.push(finite ? v : new Float32Array(d))
      }
    }
    return out
  }

  function embed(texts: readonly string[], eo: EmbedOptions = {}): Promise<Float32Array[]> {
    if (closing) return Promise.reject(closedError())
    return track(embedNow(texts, eo))
  }

  async function embedNow(texts: readonly string[], eo: EmbedOptions): Promise<Float32Array[]> {
    const useCache = cache !== null && eo.cache !== false
    const keys = texts.map((t) => (t.length > maxChars ? t.slice(0, maxChars) : t))
    const result: (Float32Array | undefined)[] = keys.map((k) => (useCache ? cache.get(k) : undefined))
    if (useCache) {
      for (const r of result) {
        if (r) hits++
        else misses++
      }
    }
    const todo = [...new Set(keys.filter((_, i) => !result[i]))]
    if (todo.length > 0) {
      // Similar lengths in one batch keep padding small.
      const order = todo.map((k, i) => [k.length, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
      const sorted = order.map(([, i]) => todo[i]!)
      const vectors = await run(sorted)
      const byKey = new Map<string, Float32Array>()
      sorted.forEach((k, i) => byKey.set(k, vectors[i]!))
      keys.forEach((k, i) => {
        if (!result[i]) result[i] = byKey.get(k)
      })
      if (useCache) for (const [k, v] of byKey) cache.set(k, v)
    }
    return result as Float32Array[]
  }

  return {
    modelId: opts.modelId,
    load,
    get model() {
      return loaded?.info ?? null
    },
    embed,
    cacheStats: () => ({ size: cache?.size ?? 0, hits, misses }),
    clearCache: () => cache?.clear(),
    async dispose() {
      closing = true
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
      const l = loaded ?? (loading ? await loading.catch(() => null) : null)
      loaded = null
      loading = null
      cache?.clear()
      if (l) await l.pipe.dispose().catch(() => undefined)
    },
  }
}
