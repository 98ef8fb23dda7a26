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
const HAS_LONG_RUN = new RegExp(String.raw`\S{${MAX_RUN + 1}}`)
const LONG_RUNS = new RegExp(String.raw`\S{${MAX_RUN + 1},}`, 'g')

export interface TokenCount {
  tokens: number
  /** False when the count was extrapolated from the first EXACT_CHARS characters. */
  exact: boolean
}

export function countTokens(text: string): TokenCount {
  if (text.length === 0) return { tokens: 0, exact: true }
  if (text.length <= EXACT_CHARS) return { tokens: countBounded(text), exact: true }
  const prefix = text.slice(0, EXACT_CHARS)
  const prefixTokens = countBounded(prefix)
  return { tokens: Math.max(1, Math.round((prefixTokens * text.length) / prefix.length)), exact: false }
}

function countBounded(text: string): number {
  if (!HAS_LONG_RUN.test(text)) return countBpe(text)
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
