import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { modelFolderRepo, startHubDouble, type HubDouble, type HubRepo } from '../../../e2e/doubles/hub-double'
import { createEmbedder } from './embedder'
import { MANIFEST_FILE, fetchModel, hubFileUrl } from './fetch'
import { SemanticModelError, defaultModelsRoot, verifyModelChecksums } from './models'
import { DEFAULT_MODEL_ID } from './settings'

const bundled = path.join(defaultModelsRoot(), DEFAULT_MODEL_ID)

/** The hub double (e2e/doubles/hub-double.ts) serves the bundled model's files under made-up ids. */
const fullRepo: HubRepo = modelFolderRepo(bundled)

describe('fetchModel from a local hub double', () => {
  let hub: HubDouble
  let dest: string
  beforeAll(async () => {
    hub = await startHubDouble({
      'acme/glove-copy': fullRepo,
      'acme/quantised-only': {
        files: {
          'config.json': fullRepo.files['config.json']!,
          'tokenizer.json': fullRepo.files['tokenizer.json']!,
          'tokenizer_config.json': fullRepo.files['tokenizer_config.json']!,
          'onnx/model_quantized.onnx': fullRepo.files['onnx/model.onnx']!,
        },
      },
      'acme/no-weights': {
        files: {
          'config.json': fullRepo.files['config.json']!,
          'tokenizer.json': fullRepo.files['tokenizer.json']!,
          'tokenizer_config.json': fullRepo.files['tokenizer_config.json']!,
        },
      },
      'acme/broken-download': { ...fullRepo, truncate: 'onnx/model.onnx' },
    })
    dest = await mkdtemp(path.join(tmpdir(), 'routellm-fetch-'))
  })
  afterAll(async () => {
    await hub.close()
    await rm(dest, { recursive: true, force: true })
  })

  it('builds hub URLs like transformers.js does', () => {
    expect(hubFileUrl('https://huggingface.co/', 'Xenova/all-MiniLM-L6-v2', 'main', 'onnx/model.onnx')).toBe(
      'https://huggingface.co/Xenova/all-MiniLM-L6-v2/resolve/main/onnx/model.onnx',
    )
  })

  it('downloads a model into <dest>/<hub id> and the embedder loads it from the user folder', async () => {
    const progress: string[] = []
    const got = await fetchModel('acme/glove-copy', { remoteHost: hub.url, destDir: dest, onProgress: (p) => progress.push(p.file) })
    expect(new Set(progress)).toEqual(new Set(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']))
    expect(got.dir).toBe(path.join(dest, 'acme', 'glove-copy'))
    expect(got.dtype).toBe('fp32')
    expect(got.files.map((f) => f.path)).toEqual(['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
    expect(hub.hits).toContain('/acme/glove-copy/resolve/main/onnx/model.onnx')
    for (const f of got.files) expect((await readFile(path.join(got.dir, f.path))).equals(await readFile(path.join(bundled, f.path))), f.path).toBe(true)
    expect((await verifyModelChecksums(got.dir)).status).toBe('verified')
    expect(JSON.parse(await readFile(path.join(got.dir, MANIFEST_FILE), 'utf8'))).toMatchObject({ id: 'acme/glove-copy', dtype: 'fp32' })

    const fetched = createEmbedder({ modelId: 'acme/glove-copy', modelsRoot: defaultModelsRoot(), userModelsDir: dest })
    const original = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot: defaultModelsRoot() })
    expect((await fetched.load()).source).toBe('user')
    const [a] = await fetched.embed(['route this prompt'])
    const [b] = await original.embed(['route this prompt'])
    expect(Array.from(a!)).toEqual(Array.from(b!))
    await fetched.dispose()
    await original.dispose()
  })

  it('falls back to the quantised weights and tells transformers.js to use them', async () => {
    const got = await fetchModel('acme/quantised-only', { remoteHost: hub.url, destDir: dest })
    expect(got.dtype).toBe('q8')
    const config = JSON.parse(await readFile(path.join(got.dir, 'config.json'), 'utf8')) as Record<string, { dtype?: string }>
    expect(config['transformers.js_config']?.dtype).toBe('q8')
    expect((await verifyModelChecksums(got.dir)).status).toBe('verified')
    const e = createEmbedder({ modelId: 'acme/quantised-only', userModelsDir: dest })
    expect((await e.load()).dtype).toBe('q8')
    await e.dispose()
  })

  it('fails clearly, leaving nothing behind, when there are no ONNX weights or the hub is unreachable', async () => {
    await expect(fetchModel('acme/no-weights', { remoteHost: hub.url, destDir: dest })).rejects.toThrow(/no ONNX weights/)
    await expect(fetchModel('acme/missing', { remoteHost: hub.url, destDir: dest })).rejects.toThrow(/HTTP 404/)
    const refused = (await fetchModel('acme/glove-copy', { remoteHost: 'http://127.0.0.1:1', destDir: dest }).catch((e: unknown) => e)) as SemanticModelError
    expect(refused.code).toBe('download-failed')
    expect(refused.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1\//)
    expect(existsSync(path.join(dest, 'acme', 'no-weights'))).toBe(false)
    expect((await readdir(path.join(dest, 'acme'))).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('keeps the previous copy when a re-download breaks off', async () => {
    await fetchModel('acme/glove-copy', { remoteHost: hub.url, destDir: dest })
    const err = await fetchModel('acme/broken-download', { remoteHost: hub.url, destDir: dest }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SemanticModelError)
    expect(existsSync(path.join(dest, 'acme', 'broken-download'))).toBe(false)
    expect((await verifyModelChecksums(path.join(dest, 'acme', 'glove-copy'))).status).toBe('verified')
  })

  it('refuses ids that are not hub ids', async () => {
    await expect(fetchModel('../evil', { remoteHost: hub.url, destDir: dest })).rejects.toThrow(/not a valid model id/)
  })
})

describe('remote models only when the user allows them', () => {
  let hub: HubDouble
  let dest: string
  beforeAll(async () => {
    hub = await startHubDouble({ 'acme/auto': fullRepo })
    dest = await mkdtemp(path.join(tmpdir(), 'routellm-autofetch-'))
  })
  afterAll(async () => {
    await hub.close()
    await rm(dest, { recursive: true, force: true })
  })

  it('never downloads by default: a missing model is an error and the hub is not asked', async () => {
    const e = createEmbedder({ modelId: 'acme/auto', userModelsDir: dest })
    await expect(e.load()).rejects.toThrow(/is not installed/)
    expect(hub.hits).toEqual([])
  })

  it('downloads a missing model into the user folder when allowed, then loads it', async () => {
    const e = createEmbedder({ modelId: 'acme/auto', userModelsDir: dest, autoFetch: { remoteHost: hub.url } })
    const info = await e.load()
    expect(info).toMatchObject({ id: 'acme/auto', source: 'user', checksums: 'verified' })
    expect(hub.hits.length).toBeGreaterThan(0)
    await e.dispose()
  })
})
