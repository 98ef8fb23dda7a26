/**
 * Multiple-choice questions (a stem, then options A–D, then "Answer:"), the one kind of task
 * the outcome data lets us rank prompts inside: which of them a small model gets wrong. These
 * signals describe one question against the others of its subject — how long and wordy the
 * stem is, how alike the options are (near-identical options are the hard ones), whether
 * they are figures, combinations ("I and II", "all of the above") or true/false pairs — rather
 * than what the question is about, which does not carry over to subjects never seen.
 */

export interface ChoiceQuestion {
  stem: string
  /** The four option texts, A to D. */
  options: [string, string, string, string]
}

const CHOICE_QUESTION = /^([\s\S]*?)\nA\. ([\s\S]*?)\nB\. ([\s\S]*?)\nC\. ([\s\S]*?)\nD\. ([\s\S]*?)\nAnswer:\s*$/

/** Longer prompts are not read as questions: the stem of an exam question fits well within this. */
const MAX_QUESTION_CHARS = 8000

/** The stem and options of a prompt shaped like an exam question, or null. */
export function parseChoiceQuestion(prompt: string): ChoiceQuestion | null {
  if (prompt.length > MAX_QUESTION_CHARS) return null
  const m = CHOICE_QUESTION.exec(prompt)
  return m ? { stem: m[1]!, options: [m[2]!, m[3]!, m[4]!, m[5]!] } : null
}

/** Embeddings of the stem and of each option (unit length, or all zeros for text without known words). */
export interface ChoiceEmbeddings {
  stem: ArrayLike<number>
  options: readonly ArrayLike<number>[]
}

export const CHOICE_FEATURES = [
  'stem-words',
  'stem-sentences',
  'stem-log-figures',
  'stem-distinct-figures',
  'stem-quantity-words',
  'option-log-length',
  'option-length-spread',
  'option-length-ratio',
  'option-numeric-share',
  'option-all-of-the-above',
  'option-roman-combination',
  'option-true-false',
  'option-log-words',
  'option-similarity',
  'option-similarity-min',
  'stem-option-similarity',
  'stem-option-spread',
  'stem-share',
  'stem-negation',
  'stem-question-mark',
  'stem-blank',
  'stem-first-person',
  'stem-quotes',
] as const

const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0
const FIGURE = /\d+(?:[.,]\d+)*/g
const QUANTITY_WORD =
  /\b(?:each|per|times|twice|half|double|triple|percent|total|remaining|left|more than|less than|fewer|every|average|profit|discount|rate|hours?|minutes?)\b|%/g

function norm(v: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!
  return Math.sqrt(s)
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const na = norm(a)
  const nb = norm(b)
  if (na === 0 || nb === 0) return null
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s / (na * nb)
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0)

/** The features of one question, in {@link CHOICE_FEATURES} order. */
export function choiceFeatures(q: ChoiceQuestion, emb: ChoiceEmbeddings, promptLength: number): number[] {
  const { stem, options } = q
  const words = stem.toLowerCase().match(/\p{L}+/gu) ?? []
  const figures = stem.match(FIGURE) ?? []
  const lengths = options.map((o) => o.length)
  const meanLength = mean(lengths)
  const spread = Math.sqrt(mean(lengths.map((l) => (l - meanLength) ** 2)))
  const pairs: number[] = []
  for (let i = 0; i < options.length; i++) {
    for (let j = i + 1; j < options.length; j++) {
      const c = cosine(emb.options[i]!, emb.options[j]!)
      if (c !== null) pairs.push(c)
    }
  }
  const toStem = emb.options.flatMap((o) => {
    const c = cosine(emb.stem, o)
    return c === null ? [] : [c]
  })
  return [
    Math.log1p(words.length),
    count(stem, /[.!?](?:\s|$)/g),
    Math.log1p(figures.length),
    new Set(figures).size,
    count(stem.toLowerCase(), QUANTITY_WORD),
    Math.log1p(meanLength),
    spread / (meanLength + 1),
    Math.log((Math.max(...lengths) + 1) / (Math.min(...lengths) + 1)),
    mean(options.map((o) => (/\d/.test(o) ? 1 : 0))),
    options.some((o) => /\b(?:all|none|both|neither) of (?:the )?(?:above|these)\b/i.test(o)) ? 1 : 0,
    options.some((o) => /^(?:I|II|III|IV)(?:,| and| only)/.test(o)) ? 1 : 0,
    options.every((o) => /^(?:True|False)/.test(o)) ? 1 : 0,
    Math.log1p(mean(options.map((o) => o.split(/\s+/).filter(Boolean).length))),
    mean(pairs),
    pairs.length ? Math.min(...pairs) : 0,
    mean(toStem),
    toStem.length ? Math.max(...toStem) - Math.min(...toStem) : 0,
    stem.length / Math.max(1, promptLength),
    count(stem, /\b(?:NOT|EXCEPT|LEAST|FALSE|INCORRECT|not|except)\b/g),
    stem.includes('?') ? 1 : 0,
    stem.includes('_') ? 1 : 0,
    count(stem, /\b(?:I|my|we|our)\b/g),
    count(stem, /"/g),
  ]
}
