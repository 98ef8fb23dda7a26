import { countTokens as countBpe } from 'gpt-tokenizer/encoding/o200k_base'

/**
 * Token counting with a real BPE tokenizer (o200k, the GPT-4o / GPT-5 vocabulary), done once
 * per decision by the engine.
 *
 * Two limits keep it fast whatever the input:
 * - BPE cost grows with the square of a whitespace-free run's length (1 MB of "x" takes
 *   minutes), so runs longer than MAX_RUN characters (base64, binary, minified code) are
 *   counted in MAX_RUN-character pieces; a piece boundary can add a token, never more.
 * - Only the first EXACT_CHARS characters are tokenised; a longer prompt's count is
 *   extrapolated from that prefix by character ratio and reported as an estimate.
 */
export const EXACT_CHARS = 16_000
const MAX_RUN = 64
const LONG_RUNS = new RegExp(String.raw`\S{${MAX_RUN + 1},}`, 'g')

export interface TokenCount {
  tokens: number
  /** False when the count was extrapolated from the first EXACT_CHARS characters, or estimated without the tokenizer. */
  exact: boolean
}

export function countTokens(text: string): TokenCount {
  if (text.length === 0) return { tokens: 0, exact: true }
  if (text.length <= EXACT_CHARS) return { tokens: countBounded(text), exact: true }
  const prefix = text.slice(0, EXACT_CHARS)
  const prefixTokens = countBounded(prefix)
  return { tokens: Math.max(1, Math.round((prefixTokens * text.length) / prefix.length)), exact: false }
}

const CHARS_PER_TOKEN = 4

/**
 * A rough count without the tokenizer (about four characters a token in English prose, the
 * count the chat also falls back on), for a decision that scores nothing: a tier the request pinned.
 * Always reported as an estimate.
 */
export function estimateTokens(text: string): TokenCount {
  return { tokens: tokensFromChars(text.length), exact: false }
}

/** About four characters a token: the count where no tokenizer ran (a pinned decision, an answer without reported usage). */
export function tokensFromChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

const SPACE = /\s/

/**
 * True when `text` has a run of more than MAX_RUN non-space characters (UTF-16 units, as
 * \S{n} counts them). A plain scan: the equivalent regex costs ~5× more on long prompts.
 */
export function hasLongRun(text: string): boolean {
  let run = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const space = c === 32 || (c >= 9 && c <= 13) || (c > 127 && SPACE.test(text[i]!))
    if (space) run = 0
    else if (++run > MAX_RUN) return true
  }
  return false
}

function countBounded(text: string): number {
  if (!hasLongRun(text)) return countBpe(text)
  let total = 0
  let last = 0
  for (const match of text.matchAll(LONG_RUNS)) {
    const start = match.index
    if (start > last) total += countBpe(text.slice(last, start))
    for (let i = 0; i < match[0].length; i += MAX_RUN) total += countBpe(match[0].slice(i, i + MAX_RUN))
    last = start + match[0].length
  }
  if (last < text.length) total += countBpe(text.slice(last))
  return total
}
