/**
 * The learned combiner's inputs: what the other pillars said (rules score, points per kind of
 * trigger, semantic score and margin), surface facts a small model stumbles on (length,
 * figures, negated questions, answer choices) and the prompt's sentence embedding, which
 * carries what the prompt is about. Every feature is a plain number; the order is fixed by
 * {@link featureNames} so stored weights line up with it.
 */
import type { PillarVerdict } from '../../../../shared/decision'

const RULE_KINDS = ['code', 'math', 'reasoning', 'multi-step', 'long-document', 'writing', 'domain', 'simple'] as const

const SCALAR_FEATURES = [
  'log-tokens',
  'log-characters',
  'log-figures',
  'questions',
  'negated-question',
  'answer-choices',
  'log-choice-length',
  'log-math-symbols',
  'log-lines',
  'mean-word-length',
  'money-or-percent',
  'rules-score',
  'rules-confidence',
  ...RULE_KINDS.map((k) => `rules-${k}`),
  'semantic-margin',
  'semantic-confidence',
] as const

/** Feature names in vector order: the scalar features, then `embedding-0` … `embedding-(d-1)`. */
export function featureNames(embeddingDimensions: number): string[] {
  return [...SCALAR_FEATURES, ...Array.from({ length: embeddingDimensions }, (_, i) => `embedding-${i}`)]
}

export interface FeatureInput {
  prompt: string
  tokens: number
  rules: PillarVerdict | null
  semantic: PillarVerdict | null
  /** Unit-length sentence embedding of the prompt. */
  embedding: ArrayLike<number>
}

const FIGURE = /\d+(?:[.,]\d+)*/g
const NEGATION = /\b(?:NOT|EXCEPT|LEAST|FALSE|INCORRECT)\b/g
const CHOICE_LINE = /^[A-D][.)]\s+(.*)$/gm
const MATH_SYMBOL = /[=+*/^<>×÷√∑∫]/g
const MONEY_OR_PERCENT = /[$€£%]/

const count = (text: string, re: RegExp) => {
  re.lastIndex = 0
  let n = 0
  while (re.exec(text)) n++
  return n
}

/**
 * Only the head and tail of a long prompt are read for the surface facts, so the cost stays
 * bounded whatever the prompt's length (the question and the choices sit at the ends).
 */
const WINDOW = 4000
const windowOf = (prompt: string) => (prompt.length <= WINDOW ? prompt : `${prompt.slice(0, WINDOW / 2)}\n${prompt.slice(-WINDOW / 2)}`)

function surface(prompt: string, tokens: number): number[] {
  const text = windowOf(prompt)
  let choices = 0
  let choiceChars = 0
  CHOICE_LINE.lastIndex = 0
  for (let m = CHOICE_LINE.exec(text); m; m = CHOICE_LINE.exec(text)) {
    choices++
    choiceChars += m[1]!.length
  }
  const words = text.split(/\s+/).filter(Boolean)
  const letters = words.reduce((n, w) => n + w.length, 0)
  return [
    Math.log1p(tokens),
    Math.log1p(prompt.length),
    Math.log1p(count(text, FIGURE)),
    Math.min(5, count(text, /\?/g)),
    Math.min(2, count(text, NEGATION)),
    Math.min(6, choices),
    choices ? Math.log1p(choiceChars / choices) : 0,
    Math.log1p(count(text, MATH_SYMBOL)),
    Math.log1p(count(text, /\n/g)),
    words.length ? Math.min(15, letters / words.length) : 0,
    MONEY_OR_PERCENT.test(text) ? 1 : 0,
  ]
}

function rulesFeatures(v: PillarVerdict | null): number[] {
  const kinds = (v?.detail?.['kinds'] ?? {}) as Partial<Record<string, number>>
  return [(v?.score ?? 0) / 100, v?.confidence ?? 0, ...RULE_KINDS.map((k) => (kinds[k] ?? 0) / 50)]
}

function semanticFeatures(v: PillarVerdict | null): number[] {
  const scored = v && v.status !== 'abstained' && v.score !== null
  const margin = v?.detail?.['margin']
  // The margin, not the score: the score is placed around the policy threshold, the margin is not.
  return [scored && typeof margin === 'number' ? margin : 0, scored ? v.confidence : 0]
}

/** The feature vector, in {@link featureNames} order. */
export function extractFeatures(input: FeatureInput): Float64Array {
  const scalars = [...surface(input.prompt, input.tokens), ...rulesFeatures(input.rules), ...semanticFeatures(input.semantic)]
  const out = new Float64Array(scalars.length + input.embedding.length)
  out.set(scalars)
  for (let i = 0; i < input.embedding.length; i++) out[scalars.length + i] = input.embedding[i]!
  return out
}
