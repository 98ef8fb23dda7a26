import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultModelsRoot } from './models'
import { DEFAULT_MODEL_ID } from './settings'
import { loadWordLookup, wordTokenizerFrom, type WordLookupPipeline } from './word-lookup'

const dir = path.join(defaultModelsRoot(), DEFAULT_MODEL_ID)

// Texts that exercise every step: NFKC (ligatures, full-width forms), digit runs, case,
// punctuation, control characters and odd spaces, special tokens typed as text, unknown
// words only, nothing at all, and a text over the 512-token limit.
const TEXTS = [
  'Write a function that sorts a list',
  'Prove that √2 is irrational, step by step!',
  'The ﬁle has ＦＵＬＬ-width letters and café, naïve, Straße.',
  'Order 66 shipped on 2024-03-15 at 9:45pm for $1,299.99',
  'tabs\tand\nnewlines\u00a0and\u2003odd spaces\u200b here',
  'special tokens typed as text: [UNK] and [PAD] and [unk]',
  'qwxzv blorptastic zzyzxq',
  '',
  '   ',
  '你好，世界。 こんにちは',
  Array.from({ length: 700 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta', '42', 'the'][i % 6]).join(' '),
]

describe('word-lookup runtime for the bundled model', () => {
  let lean: WordLookupPipeline
  beforeAll(async () => {
    lean = (await loadWordLookup(dir, 'onnx/model.onnx', { threads: 1 }))!
  })
  afterAll(async () => {
    await lean?.dispose()
  })

  it('gives the same token ids as the transformers.js tokenizer', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers')
    const reference = await AutoTokenizer.from_pretrained(dir, { local_files_only: true })
    const ours = wordTokenizerFrom(JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')), 512)!
    for (const text of TEXTS) {
      const expected = reference(text, { truncation: true }).input_ids.tolist()[0] as bigint[]
      expect(Array.from(ours.encode(text)), text.slice(0, 40)).toEqual(expected.map(Number))
    }
  })

  it('gives the same embeddings as the transformers.js pipeline', async () => {
    const { pipeline, env } = await import('@huggingface/transformers')
    env.allowRemoteModels = false
    const reference = await pipeline('feature-extraction', dir, { local_files_only: true, dtype: 'fp32', device: 'cpu' })
    const a = await lean(TEXTS, { pooling: 'mean', normalize: true })
    const b = await reference(TEXTS, { pooling: 'mean', normalize: true })
    expect(a.dims).toEqual(b.dims)
    const d = a.dims[1]!
    for (let row = 0; row < TEXTS.length; row++) {
      const ours = a.data.subarray(row * d, (row + 1) * d)
      const theirs = (b.data as Float32Array).subarray(row * d, (row + 1) * d)
      if (theirs.some((x) => Number.isNaN(x))) {
        // No known word: the pipeline's 0/0; ours is not finite either, and the embedder reports zero for both.
        expect(
          ours.some((x) => !Number.isFinite(x)),
          TEXTS[row],
        ).toBe(true)
        continue
      }
      for (let j = 0; j < d; j++) expect(ours[j]).toBeCloseTo(theirs[j]!, 5)
    }
    await reference.dispose()
  })

  it('leaves a tokenizer it cannot reproduce to transformers.js', () => {
    const wordPiece = { model: { type: 'WordPiece', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' }, pre_tokenizer: { type: 'BertPreTokenizer' } }
    expect(wordTokenizerFrom(wordPiece, 512)).toBeNull()
    const unknownNormalizer = {
      model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      normalizer: { type: 'StripAccents' },
    }
    expect(wordTokenizerFrom(unknownNormalizer, 512)).toBeNull()
  })

  it('runs a word-lookup graph it does not compute itself on onnxruntime, with the same result', async () => {
    // The bundled graph with one intermediate renamed: the same maths, no longer the graph computed in JavaScript.
    const copy = await mkdtemp(path.join(tmpdir(), 'routellm-word-lookup-'))
    try {
      await cp(dir, copy, { recursive: true })
      const bytes = Buffer.from(await readFile(path.join(dir, 'onnx/model.onnx')))
      const name = Buffer.from('token_count_safe')
      for (let i = bytes.indexOf(name); i !== -1; i = bytes.indexOf(name, i + 1)) bytes.write('token_count_safX', i)
      await writeFile(path.join(copy, 'onnx/model.onnx'), bytes)
      const onOrt = (await loadWordLookup(copy, 'onnx/model.onnx', { threads: 1 }))!
      const a = await lean(TEXTS, { pooling: 'mean', normalize: true })
      const b = await onOrt(TEXTS, { pooling: 'mean', normalize: true })
      await onOrt.dispose()
      expect(b.dims).toEqual(a.dims)
      for (let i = 0; i < a.data.length; i++) {
        if (Number.isFinite(a.data[i])) expect(b.data[i]).toBeCloseTo(a.data[i]!, 5)
        else expect(Number.isFinite(b.data[i])).toBe(false)
      }
    } finally {
      await rm(copy, { recursive: true, force: true })
    }
  })
})
