/**
 * Maths word problems (a short story with quantities that ends by asking for a number, as in
 * GSM8K): a kind of task the outcome data lets us rank prompts inside. All of them need
 * several arithmetic steps, so they belong in the cloud band; which of them the cloud model
 * answers better than a small local one depends on how long the story is and on the kind of
 * numbers in it, which is what these signals count, and on what the story is about (where
 * its embedding lies on a few topic axes).
 */
import { projectTopics, type TopicAxes } from './topic-axes'

/** Longer prompts are not read as word problems: a grade-school story fits well within this. */
const MAX_CHARS = 1200
/** Code, markup, formulas and lists are not stories. */
const NOT_PROSE = /[{}=<>`\\|#*_^\n]/
const FIGURE = /\d+(?:[.,/]\d+)*/g
const NUMBER_WORD =
  /\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|dozens?|half|twice|double|doubled|triple|third|quarter)\b/gi
/** The question comes last; it may be followed by a short remark such as "(Round to the nearest integer.)". */
const QUESTION_TAIL = 240
/**
 * Asking for a number: "how many/much/long…", "calculate", or "what"/"which" with a quantity
 * in the same sentence ("what is the final price") — not "what should I name my cat".
 */
const ASKS_FOR_NUMBER =
  /\b(?:how (?:many|much|long|far|old|fast|tall|big|heavy|often|large|high|deep|wide|soon|late|early)|calculate|compute|find|determine|work out|(?:what|which)\b[^.?!]*?\b(?:total|percent|percentage|fraction|number|amount|cost|price|sum|difference|average|value|speed|distance|rate|ratio|age|weight|length|height|profit|score|place|temperature|probability|grade|salary|pension|most|least|minimum|maximum|final|time|day|year|hour)s?)\b/i
const SENTENCE_END = /[.!?](?:\s|$)/g

const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0

/**
 * True for a prompt shaped like a maths word problem: one paragraph of prose, at least two
 * quantities (figures or number words), ending by asking for a number.
 */
export function isWordProblem(prompt: string): boolean {
  const text = prompt.trim()
  if (text.length > MAX_CHARS || NOT_PROSE.test(text)) return false
  if (count(text, FIGURE) + count(text, NUMBER_WORD) < 2) return false
  const words = text.split(/\s+/).length
  // A one-line question ("What is 7 times 8?") is arithmetic, not a story.
  if (count(text, SENTENCE_END) < 2 && words < 15) return false
  return ASKS_FOR_NUMBER.test(text.slice(-QUESTION_TAIL))
}

export const WORD_PROBLEM_FEATURES = ['log-words', 'decimals', 'fractions'] as const

const DECIMAL = /\d+\.\d+/g
const FRACTION = /\d+\/\d+|\b(?:half|thirds?|quarters?|fourths?|fifths?)\b/gi

/**
 * The features of one word problem, in {@link WORD_PROBLEM_FEATURES} order: longer stories
 * take more steps; fractions are where small models slip; figures with decimals (prices such
 * as $1.20) are where the outcome data shows the cloud model gaining least.
 */
export function wordProblemFeatures(prompt: string): number[] {
  const text = prompt.trim()
  return [Math.log1p(text.split(/\s+/).filter(Boolean).length), count(text, DECIMAL), count(text, FRACTION)]
}

/** The head's input for one word problem: the story's features, then where its embedding lies on each topic axis. */
export const wordProblemInput = (topics: TopicAxes, story: readonly number[], embedding: ArrayLike<number>) => [...story, ...projectTopics(topics, embedding)]
