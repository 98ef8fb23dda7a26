/**
 * The tokenizer of the default model, as Hugging Face tokenizer.json (loadable by
 * transformers.js and by the Rust/Python `tokenizers`):
 *
 *   normalizer     NFKC, digit runs → " 0 " (the source vectors have no numerals; one
 *                  numeral token stands for every number), lowercase (GloVe 6B is uncased)
 *   pre_tokenizer  BertPreTokenizer: split on whitespace, every punctuation char alone
 *   model          WordLevel with [UNK]; [PAD] = 0
 *
 * The build keeps only words this pipeline can produce, so no vocabulary row is dead.
 */

export const PAD = '[PAD]'
export const UNK = '[UNK]'
/** What every run of digits becomes after normalisation. */
export const NUMERAL = '0'

/** Same character class as BertPreTokenizer's punctuation in transformers.js / tokenizers. */
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E'
const WORD_OR_PUNCT = new RegExp(`^(?:[^\\s${PUNCT}\\p{C}0-9]+|[${PUNCT}])$`, 'u')
const PRE_TOKEN = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu')

/** Apply the normaliser and pre-tokenizer in plain JS (used by the build and the benchmark baseline). */
export function preTokenize(text: string): string[] {
  const norm = text
    .normalize('NFKC')
    .replace(/[0-9]+/g, ` ${NUMERAL} `)
    .toLowerCase()
  return norm.trim().match(PRE_TOKEN) ?? []
}

/** True when the tokenizer can emit `word` as one token (so its vector is reachable). */
export function isReachableWord(word: string): boolean {
  return word.length > 0 && word === word.normalize('NFKC').toLowerCase() && WORD_OR_PUNCT.test(word)
}

export function tokenizerJson(vocab: readonly string[]): string {
  const vocabObj: Record<string, number> = {}
  vocab.forEach((w, i) => {
    vocabObj[w] = i
  })
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, PAD), special(1, UNK)],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: '[0-9]+' }, content: ` ${NUMERAL} ` }, { type: 'Lowercase' }],
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: vocabObj, unk_token: UNK },
  }
  return JSON.stringify(json)
}

export function tokenizerConfigJson(modelMaxLength: number): string {
  return (
    JSON.stringify(
      {
        tokenizer_class: 'PreTrainedTokenizer',
        model_max_length: modelMaxLength,
        pad_token: PAD,
        unk_token: UNK,
        do_lower_case: true,
        padding_side: 'right',
        truncation_side: 'right',
        clean_up_tokenization_spaces: false,
      },
      null,
      2,
    ) + '\n'
  )
}
