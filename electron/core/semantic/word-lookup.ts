/**
 * A lean runtime for word-lookup embedding models such as the bundled GloVe+SIF model:
 * a WordLevel tokenizer (normalise, split on spaces and punctuation, look words up) and the
 * ONNX graph's pooled `sentence_embedding`, computed in JavaScript for the lookup-and-mean
 * graph the bundled model has, else by onnxruntime-node.
 *
 * It produces what the transformers.js feature-extraction pipeline produces for these
 * models (same token ids, same masked mean, normalised), without loading transformers.js:
 * that library's bundle alone costs ~170 MiB of resident memory, and its per-call tokenizer
 * and tensor plumbing cost more than the lookup itself. Models it cannot reproduce exactly
 * (anything but a WordLevel vocabulary with the normalisers and pre-tokenizer below) are
 * left to transformers.js: `loadWordLookup` returns null for them.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { lookupTableFrom } from './lookup-graph'
import { packVocabulary } from './packed-vocabulary'

/** What the embedder calls: texts in, [batch, dims] pooled vectors out (the pipeline's shape). */
export interface PooledOutput {
  data: Float32Array
  dims: number[]
}
export interface WordLookupPipeline {
  (texts: string[], opts: { pooling: string; normalize: boolean }): Promise<PooledOutput>
  dispose(): Promise<void>
}

// transformers.js's BertPreTokenizer: runs of non-space non-punctuation, or one punctuation mark.
const PUNCTUATION = String.raw`\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E`
const BERT_SPLIT = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu')

interface NormalizerJson {
  type: string
  normalizers?: NormalizerJson[]
  pattern?: { Regex?: string; String?: string }
  content?: string
}
interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string; normalized?: boolean; lstrip?: boolean; rstrip?: boolean; single_word?: boolean }>
  normalizer?: NormalizerJson | null
  pre_tokenizer?: { type: string } | null
  post_processor?: unknown
  truncation?: unknown
  padding?: unknown
  model?: { type?: string; vocab?: Record<string, number>; unk_token?: string }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The normaliser as one function, or null when it uses a step this runtime does not reproduce. */
function compileNormalizer(n: NormalizerJson | null | undefined): ((s: string) => string) | null {
  if (!n) return (s) => s
  switch (n.type) {
    case 'Sequence': {
      const steps = (n.normalizers ?? []).map(compileNormalizer)
      if (steps.some((s) => s === null)) return null
      return (s) => steps.reduce((acc, step) => step!(acc), s)
    }
    case 'NFKC':
      return (s) => s.normalize('NFKC')
    case 'Lowercase':
      return (s) => s.toLowerCase()
    case 'Replace': {
      const p =
        n.pattern?.Regex !== undefined
          ? new RegExp(n.pattern.Regex, 'gu')
          : n.pattern?.String !== undefined
            ? new RegExp(escapeRegex(n.pattern.String), 'g')
            : null
      if (!p) return null
      const content = n.content ?? ''
      return (s) => s.replaceAll(p, content)
    }
    default:
      return null
  }
}

export interface WordTokenizer {
  /** Token ids of a text, truncated to `maxTokens`. */
  encode(text: string): Int32Array
  readonly vocabSize: number
}

/** A tokenizer for tokenizer.json, or null when it is not a WordLevel + BertPreTokenizer one. */
export function wordTokenizerFrom(json: TokenizerJson, maxTokens: number): WordTokenizer | null {
  const model = json.model
  if (model?.type !== 'WordLevel' || !model.vocab || json.pre_tokenizer?.type !== 'BertPreTokenizer') return null
  if (json.post_processor || json.truncation || json.padding) return null
  const normalize = compileNormalizer(json.normalizer)
  if (!normalize) return null
  const vocab = packVocabulary(model.vocab)
  const unk = model.unk_token !== undefined ? vocab.get(model.unk_token) : undefined
  if (unk === undefined) return null
  // Added (special) tokens are matched in the raw text first, as transformers.js does.
  const added = (json.added_tokens ?? []).filter((t) => t.content.length > 0)
  if (added.some((t) => t.normalized || t.lstrip || t.rstrip || t.single_word)) return null
  const addedIds = new Map(added.map((t) => [t.content, t.id]))
  const addedSplit = added.length
    ? new RegExp(
        `(${[...addedIds.keys()]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegex)
          .join('|')})`,
      )
    : null
  const ids: number[] = []
  const pushWords = (section: string) => {
    const words = normalize(section).trim().match(BERT_SPLIT)
    if (words) for (const w of words) ids.push(vocab.get(w) ?? unk)
  }
  return {
    vocabSize: vocab.size,
    encode(text) {
      ids.length = 0
      if (addedSplit && addedSplit.test(text)) {
        for (const part of text.split(addedSplit)) {
          const id = addedIds.get(part)
          if (id !== undefined) ids.push(id)
          else if (part) pushWords(part)
        }
      } else {
        pushWords(text)
      }
      return Int32Array.from(ids.length > maxTokens ? ids.slice(0, maxTokens) : ids)
    },
  }
}

/** Pooled rows of encoded texts: [texts, dims] in `data`, not yet normalised. */
type Pool = (encoded: Int32Array[]) => Promise<PooledOutput>

/**
 * The graph run by onnxruntime-node, asking it for the pooled `sentence_embedding` only; null
 * when the graph lacks the inputs or that output.
 */
async function onnxRuntimePool(file: string, threads: number): Promise<{ pool: Pool; dispose: () => Promise<void> } | null> {
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // The graph is a lookup and a weighted mean over a few hundred floats per text: an arena
    // and memory patterns sized for large models only grow the process under concurrent runs.
    enableCpuMemArena: false,
    enableMemPattern: false,
  })
  if (!session.inputNames.includes('input_ids') || !session.inputNames.includes('attention_mask') || !session.outputNames.includes('sentence_embedding')) {
    await session.release()
    return null
  }
  const pool: Pool = async (encoded) => {
    // At least one position, so an empty text is a masked-out pad (a zero vector), as in transformers.js.
    const width = Math.max(1, ...encoded.map((e) => e.length))
    const ids = new BigInt64Array(encoded.length * width)
    const mask = new BigInt64Array(encoded.length * width)
    encoded.forEach((e, row) => {
      for (let i = 0; i < e.length; i++) {
        ids[row * width + i] = BigInt(e[i]!)
        mask[row * width + i] = 1n
      }
    })
    const shape = [encoded.length, width]
    const out = await session.run({ input_ids: new ort.Tensor('int64', ids, shape), attention_mask: new ort.Tensor('int64', mask, shape) }, [
      'sentence_embedding',
    ])
    const pooled = out['sentence_embedding']!
    const data = new Float32Array(pooled.data as Float32Array)
    pooled.dispose()
    return { data, dims: pooled.dims.slice() }
  }
  return { pool, dispose: () => session.release() }
}

/**
 * The lean pipeline for a model folder, or null when the folder's tokenizer or graph is not
 * a word-lookup one (then transformers.js loads it). The lookup-and-mean graph that
 * scripts/model-build writes runs in JavaScript (lookup-graph.ts); other word-lookup graphs
 * run on onnxruntime-node.
 */
export async function loadWordLookup(dir: string, onnxFile: string, opts: { threads: number }): Promise<WordLookupPipeline | null> {
  const [tokenizerText, configText] = await Promise.all([
    readFile(path.join(dir, 'tokenizer.json'), 'utf8'),
    readFile(path.join(dir, 'tokenizer_config.json'), 'utf8').catch(() => '{}'),
  ])
  const tokenizerConfig = JSON.parse(configText) as { model_max_length?: number; truncation_side?: string }
  if (tokenizerConfig.truncation_side && tokenizerConfig.truncation_side !== 'right') return null
  const tokenizer = wordTokenizerFrom(JSON.parse(tokenizerText) as TokenizerJson, tokenizerConfig.model_max_length ?? 512)
  if (!tokenizer) return null
  const file = path.join(dir, onnxFile)
  const table = lookupTableFrom(await readFile(file))
  const runtime =
    table && table.vocabSize >= tokenizer.vocabSize
      ? {
          pool: (encoded: Int32Array[]) => Promise.resolve({ data: table.pool(encoded), dims: [encoded.length, table.dims] }),
          dispose: () => Promise.resolve(),
        }
      : await onnxRuntimePool(file, opts.threads)
  if (!runtime) return null

  const embed = async (texts: string[], o: { pooling: string; normalize: boolean }): Promise<PooledOutput> => {
    if (o.pooling !== 'mean') throw new Error(`word-lookup models pool by mean, not "${o.pooling}"`)
    const { data, dims } = await runtime.pool(texts.map((t) => tokenizer.encode(t)))
    if (o.normalize) {
      const d = dims[1]!
      for (let row = 0; row < texts.length; row++) {
        let n = 0
        for (let j = row * d; j < (row + 1) * d; j++) n += data[j]! * data[j]!
        // A text of unknown words pools to zero; the pipeline's 0/0 makes NaN, which the embedder reports as zero.
        const inv = 1 / Math.sqrt(n)
        for (let j = row * d; j < (row + 1) * d; j++) data[j] = data[j]! * inv
      }
    }
    return { data, dims }
  }
  return Object.assign(embed, { dispose: runtime.dispose })
}
