import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createEmbedder, type Embedder } from './embedder'
import { SemanticModelError, defaultModelsRoot, describeModel, listInstalledModels, verifyModelChecksums } from './models'
import { DEFAULT_MODEL_ID } from './settings'

const modelsRoot = defaultModelsRoot()
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

/**
 * Network unreachable: fetch and every socket-opening call throw and are counted. Installed
 * before the embedder first imports transformers.js, which captures fetch at import time.
 */
const netCalls: string[] = []
const refuse = (name: string) =>
  vi.fn((...args: unknown[]) => {
    netCalls.push(`${name} ${String(args[0])}`)
    throw new Error(`network is unreachable in this test (${name})`)
  })
const fetchSpy = refuse('fetch')

describe('embedder with the bundled model, offline', () => {
  let embedder: Embedder
  beforeAll(() => {
    vi.stubGlobal('fetch', fetchSpy)
    for (const [mod, fn] of [
      [net, 'connect'],
      [net, 'createConnection'],
      [tls, 'connect'],
      [http, 'request'],
      [http, 'get'],
      [https, 'request'],
      [https, 'get'],
    ] as const) {
      vi.spyOn(mod as unknown as Record<string, (...a: unknown[]) => unknown>, fn).mockImplementation(refuse(`${fn}`))
    }
    embedder = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot, cacheSize: 16 })
  })
  afterAll(async () => {
    await embedder.dispose()
    vi.restoreAllMocks()
    vi.unstubAllGlobals()
  })

  it('loads from resources/models with checksums verified, without touching the network', async () => {
    const info = await embedder.load()
    expect(info).toMatchObject({ id: DEFAULT_MODEL_ID, source: 'bundled', dimensions: 100, pooling: 'mean', dtype: 'fp32', checksums: 'verified' })
    const [v] = await embedder.embed(['Write a function that sorts a list'])
    expect(v).toHaveLength(100)
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(netCalls).toEqual([])
  })

  it('loads a model the word-lookup runtime does not cover through transformers.js, fenced offline', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'routellm-embedder-tf-'))
    const dir = path.join(tmp, 'whitespace-model')
    await cp(path.join(modelsRoot, DEFAULT_MODEL_ID), dir, { recursive: true })
    // A pre-tokenizer the lean runtime does not reproduce sends the model to transformers.js.
    const tokenizer = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'))
    tokenizer.pre_tokenizer = { type: 'Whitespace' }
    await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer))
    await rm(path.join(dir, 'SHA256SUMS'))
    const e = createEmbedder({ modelId: 'whitespace-model', modelsRoot: tmp })
    const [v] = await e.embed(['Write a function that sorts a list'])
    expect(v).toHaveLength(100)
    await e.dispose()
    await rm(tmp, { recursive: true, force: true })
    // the library is fenced: its fetch refuses, remote models are off
    const { env } = await import('@huggingface/transformers')
    expect(env.allowRemoteModels).toBe(false)
    await expect(env.fetch('https://huggingface.co/x/resolve/main/config.json')).rejects.toThrow(/offline/)
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(netCalls).toEqual([])
  })

  it('loads once: concurrent callers share one load', async () => {
    const e = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot })
    const [a, b] = await Promise.all([e.load(), e.load()])
    expect(a).toBe(b)
    expect(await e.load()).toBe(a)
    await e.dispose()
  })

  it('closes only after the embeddings in flight finished, quietly, and refuses calls after that', async () => {
    const e = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot, batchSize: 1, cacheSize: 0 })
    await e.load()
    const printed: string[] = []
    const consoleError = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')))
    const texts = Array.from({ length: 40 }, (_, i) => `sentence number ${i} about routing prompts`)
    // Several model calls (one per text) are still queued when dispose is asked for.
    const running = e.embed(texts)
    const closed = e.dispose()
    const vectors = await running
    await closed
    consoleError.mockRestore()
    expect(vectors).toHaveLength(40)
    expect(vectors.every((v) => v.length === 100 && v.some((x) => x !== 0))).toBe(true)
    expect(printed).toEqual([])
    await expect(e.embed(['too late'])).rejects.toMatchObject({ code: 'closed' })
    await expect(e.load()).rejects.toMatchObject({ code: 'closed' })
  })

  it('puts similar sentences closer than unrelated ones', async () => {
    const [code1, code2, hi1, hi2, tr] = await embedder.embed([
      'Write a Python function that reverses a linked list.',
      'Implement a method in Java to invert a singly linked list.',
      'Hi there, how are you doing today?',
      'Hello! How is your day going?',
      'Translate this sentence into French.',
    ])
    // a bag-of-words model keeps a common direction, so all similarities sit high: compare them
    expect(cos(code1!, code2!)).toBeGreaterThan(cos(code1!, hi1!) + 0.05)
    expect(cos(code1!, code2!)).toBeGreaterThan(cos(code2!, hi2!) + 0.2)
    expect(cos(hi1!, hi2!)).toBeGreaterThan(cos(hi1!, code2!) + 0.2)
    expect(cos(hi1!, hi2!)).toBeGreaterThan(cos(hi1!, tr!))
    for (const v of [code1!, hi1!]) expect(Math.abs(cos(v, v) - 1)).toBeLessThan(1e-5)
  })

  it('caches prompt embeddings (LRU) and counts hits', async () => {
    embedder.clearCache()
    const before = embedder.cacheStats()
    const [a] = await embedder.embed(['what is the capital of France?'])
    const [b] = await embedder.embed(['what is the capital of France?'])
    const after = embedder.cacheStats()
    expect(b).toBe(a)
    expect(after.hits - before.hits).toBe(1)
    expect(after.misses - before.misses).toBe(1)
    // cluster utterances bypass the cache
    await embedder.embed(['not cached'], { cache: false })
    expect(embedder.cacheStats().size).toBe(1)
    // bounded: at most cacheSize entries
    await embedder.embed(Array.from({ length: 40 }, (_, i) => `prompt number ${i} about cats`))
    expect(embedder.cacheStats().size).toBe(16)
  })

  it('bounds the characters of prompt text the cache holds, not only its entries', async () => {
    const e = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot, cacheSize: 100, cacheChars: 1000 })
    try {
      const prompt = (i: number) => `prompt ${String(i).padStart(3, '0')} ${'about cats and dogs '.repeat(15)}`.slice(0, 300)
      await e.embed(Array.from({ length: 10 }, (_, i) => prompt(i)))
      // 300 characters each: three fit in 1,000, the most recent three.
      expect(e.cacheStats().size).toBe(3)
      await e.embed([prompt(9)])
      expect(e.cacheStats().hits).toBe(1)
      // A prompt longer than the whole budget is embedded but not kept.
      const [long] = await e.embed(['word '.repeat(300)])
      expect(long!.length).toBe(100)
      expect(e.cacheStats().size).toBe(3)
    } finally {
      await e.dispose()
    }
  })

  it('embeds a batch exactly like one text at a time, in order, deduplicated', async () => {
    const texts = ['short', 'a much longer sentence about databases and indexes and query plans', 'short', 'the weather is nice']
    const batch = await embedder.embed(texts, { cache: false })
    expect(batch).toHaveLength(4)
    for (const [i, t] of texts.entries()) {
      const [one] = await embedder.embed([t], { cache: false })
      for (let k = 0; k < 100; k++) expect(batch[i]![k]!).toBeCloseTo(one![k]!, 5)
    }
  })

  it('returns a zero vector for a text with no known word', async () => {
    const [v] = await embedder.embed(['zzqxv qqwzzk'])
    expect(Array.from(v!).every((x) => x === 0)).toBe(true)
  })

  it('lists installed models from both roots', async () => {
    const list = await listInstalledModels({ modelsRoot })
    expect(list.map((m) => m.id)).toContain(DEFAULT_MODEL_ID)
  })
})

describe('embedder errors', () => {
  let tmp: string
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'routellm-embedder-'))
  })
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true })
  })

  async function copyModel(name: string): Promise<string> {
    const dir = path.join(tmp, name)
    await cp(path.join(modelsRoot, DEFAULT_MODEL_ID), path.join(dir, DEFAULT_MODEL_ID), { recursive: true })
    return dir
  }

  it('says clearly when a model is not installed', async () => {
    const e = createEmbedder({ modelId: 'nobody/no-such-model', modelsRoot, userModelsDir: tmp })
    const err = (await e.load().catch((x: unknown) => x)) as SemanticModelError
    expect(err).toBeInstanceOf(SemanticModelError)
    expect(err.code).toBe('missing')
    expect(err.message).toMatch(/"nobody\/no-such-model" is not installed/)
  })

  it('rejects model ids that would leave the model folders', async () => {
    const err = (await createEmbedder({ modelId: '../../etc', modelsRoot })
      .load()
      .catch((x: unknown) => x)) as SemanticModelError
    expect(err.code).toBe('invalid-id')
  })

  it('detects a corrupted file through SHA256SUMS', async () => {
    const root = await copyModel('tampered')
    const onnx = path.join(root, DEFAULT_MODEL_ID, 'onnx', 'model.onnx')
    const bytes = await readFile(onnx)
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
    await writeFile(onnx, bytes)
    expect((await verifyModelChecksums(path.join(root, DEFAULT_MODEL_ID))).mismatches).toEqual(['onnx/model.onnx'])
    const err = (await createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot: root })
      .load()
      .catch((x: unknown) => x)) as SemanticModelError
    expect(err.code).toBe('corrupt')
    expect(err.message).toMatch(/onnx\/model\.onnx do not match SHA256SUMS/)
  })

  it('reports an unreadable ONNX graph as corrupt (no checksums to catch it first)', async () => {
    const root = await copyModel('garbage')
    await rm(path.join(root, DEFAULT_MODEL_ID, 'SHA256SUMS'))
    await writeFile(path.join(root, DEFAULT_MODEL_ID, 'onnx', 'model.onnx'), Buffer.from('this is not an onnx model at all'))
    const e = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot: root })
    const err = (await e.load().catch((x: unknown) => x)) as SemanticModelError
    expect(err.code).toBe('corrupt')
    expect(err.message).toMatch(/could not be loaded/)
    // the failure is remembered: no reload storm on every prompt
    const again = (await e.load().catch((x: unknown) => x)) as SemanticModelError
    expect(again).toBe(err)
    await expect(e.embed(['hello'])).rejects.toBeInstanceOf(SemanticModelError)
  })

  it('reports broken JSON and missing files by name', async () => {
    const root = await copyModel('badjson')
    await writeFile(path.join(root, DEFAULT_MODEL_ID, 'config.json'), '{ not json')
    await expect(describeModel(DEFAULT_MODEL_ID, { modelsRoot: root })).rejects.toThrow(/config\.json .* is not valid JSON/)
    const root2 = await copyModel('notok')
    await rm(path.join(root2, DEFAULT_MODEL_ID, 'tokenizer.json'))
    await expect(describeModel(DEFAULT_MODEL_ID, { modelsRoot: root2 })).rejects.toThrow(/tokenizer\.json .* is missing/)
  })

  it('prefers the user folder over the bundled one for the same id', async () => {
    const user = await copyModel('user')
    const d = await describeModel(DEFAULT_MODEL_ID, { modelsRoot, userModelsDir: user })
    expect(d.source).toBe('user')
  })
})
