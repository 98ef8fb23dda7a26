import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PillarVerdict } from '../../../shared/decision'
import { DEFAULT_POLICY, type Policy } from '../../../shared/policy'
import { createEmbedder, type Embedder } from '../semantic/embedder'
import { defaultModelsRoot } from '../semantic/models'
import { DEFAULT_MODEL_ID } from '../semantic/settings'
import { createSemanticPillar, type SemanticPillar } from './semantic'

const input = (prompt: string, policy: Policy = DEFAULT_POLICY) => ({ prompt, tokens: prompt.split(/\s+/).length, policy })
const fetchSpy = vi.fn(() => Promise.reject(new Error('network is unreachable in this test')))

describe('semantic pillar with the bundled model', () => {
  let pillar: SemanticPillar
  let dir: string
  beforeAll(async () => {
    vi.stubGlobal('fetch', fetchSpy)
    dir = await mkdtemp(path.join(tmpdir(), 'routellm-semantic-'))
    pillar = createSemanticPillar({ userModelsDir: path.join(dir, 'models'), userClustersFile: path.join(dir, 'clusters.json') })
    const status = await pillar.warmup()
    expect(status).toMatchObject({ state: 'ready', error: null, calibrated: false })
  })
  afterAll(async () => {
    await pillar.dispose()
    await rm(dir, { recursive: true, force: true })
    vi.unstubAllGlobals()
  })

  it('scores a coding task toward the cloud and names the nearest cluster', async () => {
    const v = await pillar.evaluate(input('Write a TypeScript function that merges overlapping intervals and add unit tests.'))
    expect(PillarVerdict.parse(v)).toBeTruthy()
    expect(v.status).toBe('scored')
    expect(v.score!).toBeGreaterThan(DEFAULT_POLICY.threshold)
    expect(v.reason).toMatch(/nearest intent cluster "Writing code" \(cloud\) at similarity 0\.\d\d/)
    expect(v.detail).toMatchObject({ model: DEFAULT_MODEL_ID, nearest: { id: 'coding', tier: 'cloud' }, aggregation: 'mean-top-k', topK: 3 })
    expect(v.confidence).toBeGreaterThan(0.5)
  })

  it('scores small talk and quick rewording toward local', async () => {
    const chat = await pillar.evaluate(input('hey there, thanks for the help earlier!'))
    expect(chat.score!).toBeLessThan(DEFAULT_POLICY.threshold)
    expect((chat.detail as { nearest: { id: string } }).nearest.id).toBe('small-talk')
    const reword = await pillar.evaluate(input('Please make this sentence sound more polite: give me the report.'))
    expect(reword.score!).toBeLessThan(DEFAULT_POLICY.threshold)
  })

  it('ranks a maths word problem above a simple fact question', async () => {
    const maths = await pillar.evaluate(input('A cyclist rides 18 km in 45 minutes. At that speed, how far does she ride in 2.5 hours?'))
    const fact = await pillar.evaluate(input('What is the capital of Portugal?'))
    expect(maths.score!).toBeGreaterThan(fact.score!)
    expect((maths.detail as { nearest: { id: string } }).nearest.id).toBe('maths')
  })

  it('answers a repeated prompt from the cache', async () => {
    const p = 'Explain the trade-offs of event sourcing for a payments system.'
    await pillar.evaluate(input(p))
    const again = await pillar.evaluate(input(p))
    expect(again.detail).toMatchObject({ cacheHit: true })
  })

  it('aligns its boundary with the policy threshold', async () => {
    const p = 'Write a haiku about the first snow of winter.'
    const at65 = await pillar.evaluate(input(p))
    const at40 = await pillar.evaluate(input(p, { ...DEFAULT_POLICY, threshold: 40 }))
    // same side of the boundary whatever the threshold
    expect(at65.score! < 65).toBe(at40.score! < 40)
  })

  it('re-embeds after a user adds a cluster', async () => {
    const p = 'Fill in the quarterly TPS cover sheet for the Initech audit.'
    await pillar.store.upsertCluster({
      id: 'office-forms',
      name: 'Office forms',
      tier: 'cloud',
      utterances: ['Fill in the TPS report cover sheet.', 'Complete the Initech audit form for this quarter.'],
    })
    await pillar.warmup()
    const v = await pillar.evaluate(input(p))
    expect((v.detail as { nearest: { id: string } }).nearest.id).toBe('office-forms')
    await pillar.store.removeCluster('office-forms')
    await pillar.warmup()
    const after = await pillar.evaluate(input(p))
    expect((after.detail as { nearest: { id: string } }).nearest.id).not.toBe('office-forms')
  })

  it('keeps deciding with the clusters in force while a change is re-embedded, and uses the new ones once it is', async () => {
    const p = 'Fill in the quarterly TPS cover sheet for the Initech audit.'
    const utterance = 'Fill in the TPS report cover sheet.'
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    // The real embedder, except that embedding the new cluster waits until the test lets it go.
    const gated = (real: Embedder): Embedder => ({
      modelId: real.modelId,
      get model() {
        return real.model
      },
      load: () => real.load(),
      embed: async (texts, o) => {
        if (texts.includes(utterance)) await held
        return real.embed(texts, o)
      },
      cacheStats: () => real.cacheStats(),
      clearCache: () => real.clearCache(),
      dispose: () => real.dispose(),
    })
    const own = createSemanticPillar({
      userModelsDir: path.join(dir, 'models'),
      userClustersFile: path.join(dir, 'gated-clusters.json'),
      settings: { loadTimeoutMs: 3_600_000 },
      embedderFactory: (o) => gated(createEmbedder(o)),
    })
    await own.warmup()
    await own.store.upsertCluster({ id: 'office-forms', name: 'Office forms', tier: 'cloud', utterances: [utterance] })
    const during = await own.evaluate(input(p))
    expect(during.status).toBe('scored')
    expect((during.detail as { nearest: { id: string } }).nearest.id).not.toBe('office-forms')
    release()
    await own.warmup()
    expect(((await own.evaluate(input(p))).detail as { nearest: { id: string } }).nearest.id).toBe('office-forms')
    await own.dispose()
  })

  it('abstains with a reason when the prompt has no known word, or is empty', async () => {
    expect(await pillar.evaluate(input('qzxv wqqpk zzzrt'))).toMatchObject({ status: 'abstained', score: null, reason: expect.stringMatching(/no word/) })
    expect(await pillar.evaluate(input('   '))).toMatchObject({ status: 'abstained', reason: expect.stringMatching(/empty/) })
  })

  it('takes semantic settings from the policy when it carries them', async () => {
    const policy = { ...DEFAULT_POLICY, semantic: { model: 'acme/not-installed' } } as Policy
    const v = await pillar.evaluate(input('hello', policy))
    expect(v).toMatchObject({ status: 'abstained', detail: { model: 'acme/not-installed', error: 'missing' } })
    expect(v.reason).toMatch(/semantic router unavailable: embedding model "acme\/not-installed" is not installed/)
  })

  it('never reached for the network', () => {
    expect(fetchSpy).not.toHaveBeenCalled()
  })
})

describe('semantic pillar failure modes', () => {
  let tmp: string
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'routellm-semantic-fail-'))
  })
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true })
  })

  it('abstains, naming the cause, when the model is missing', async () => {
    const pillar = createSemanticPillar({ modelsRoot: path.join(tmp, 'empty') })
    const v = await pillar.evaluate(input('Write a sorting algorithm'))
    expect(v).toMatchObject({ pillar: 'semantic', status: 'abstained', score: null, confidence: 0 })
    expect(v.reason).toMatch(/embedding model "glove-sif-100d" is not installed/)
    expect(pillar.status()).toMatchObject({ state: 'error' })
    await pillar.dispose()
  })

  it('abstains, naming the cause, when the model is corrupt', async () => {
    const root = path.join(tmp, 'corrupt')
    await cp(path.join(defaultModelsRoot(), DEFAULT_MODEL_ID), path.join(root, DEFAULT_MODEL_ID), { recursive: true })
    await writeFile(path.join(root, DEFAULT_MODEL_ID, 'onnx', 'model.onnx'), 'garbage, not an ONNX protobuf')
    const pillar = createSemanticPillar({ modelsRoot: root })
    const v = await pillar.evaluate(input('Write a sorting algorithm'))
    expect(v.status).toBe('abstained')
    expect(v.reason).toMatch(/corrupt.*onnx\/model\.onnx do not match SHA256SUMS/)
    expect(v.detail).toMatchObject({ error: 'corrupt' })
    await pillar.dispose()
  })

  it('abstains while the model is still loading, and scores once it is ready', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const vec = Float32Array.of(1, 0)
    const slow: Embedder = {
      modelId: 'slow',
      model: null,
      load: async () => {
        await gate
        return { id: 'slow', dir: '', source: 'user', dtype: 'fp32', pooling: 'mean', dimensions: 2, loadMs: 0, checksums: 'skipped' }
      },
      embed: async (texts) => {
        await gate
        return texts.map(() => vec)
      },
      cacheStats: () => ({ size: 0, hits: 0, misses: 0 }),
      clearCache: () => undefined,
      dispose: async () => undefined,
    }
    const pillar = createSemanticPillar({ settings: { model: 'slow', loadTimeoutMs: 20 }, embedderFactory: () => slow })
    const early = await pillar.evaluate(input('anything'))
    expect(early).toMatchObject({ status: 'abstained', reason: expect.stringMatching(/still loading/) })
    release()
    await pillar.warmup()
    const later = await pillar.evaluate(input('anything'))
    expect(later.status).toBe('scored')
    await pillar.dispose()
  })

  it('abstains when the decision is aborted before the model is ready, or was aborted already', async () => {
    const never: Embedder = {
      modelId: 'never',
      model: null,
      load: () => new Promise(() => undefined),
      embed: () => new Promise(() => undefined),
      cacheStats: () => ({ size: 0, hits: 0, misses: 0 }),
      clearCache: () => undefined,
      dispose: async () => undefined,
    }
    const pillar = createSemanticPillar({ settings: { model: 'never' }, embedderFactory: () => never })
    const ac = new AbortController()
    const pending = pillar.evaluate({ ...input('anything'), signal: ac.signal })
    ac.abort()
    expect(await pending).toMatchObject({ status: 'abstained', reason: expect.stringMatching(/aborted/) })
    // Already aborted: no wait for the load timeout (an hour here) at all.
    const slow = createSemanticPillar({ settings: { model: 'never', loadTimeoutMs: 3_600_000 }, embedderFactory: () => never })
    expect(await slow.evaluate({ ...input('anything'), signal: ac.signal })).toMatchObject({
      status: 'abstained',
      reason: 'decision aborted before the embedding was ready',
    })
  })
})
