import { describe, expect, it } from 'vitest'
import { countTokens, EXACT_CHARS, hasLongRun } from './tokens'

describe('countTokens', () => {
  it('counts with the BPE tokenizer, not characters / 4', () => {
    // A long common word is one token; characters/4 would say 3.
    expect(countTokens('internationalization').tokens).toBeLessThan(4)
    expect(countTokens('Hello, world!')).toEqual({ tokens: 4, exact: true })
    expect(countTokens('')).toEqual({ tokens: 0, exact: true })
  })

  it('handles emoji, right-to-left text and control characters', () => {
    for (const text of ['🚀🔥 launch', 'שלום עולם, מה שלומך?', 'مرحبا بالعالم', '\u0000\u0001\u0002binary\uFFFD']) {
      const { tokens, exact } = countTokens(text)
      expect(tokens).toBeGreaterThan(0)
      expect(exact).toBe(true)
    }
  })

  // How long these take is measured by `npm run bench:tokens` (bench/tokens.bench.ts), not asserted here.
  it('counts a whitespace-free run (BPE is quadratic in run length)', () => {
    const run = 'x'.repeat(EXACT_CHARS)
    const { tokens } = countTokens(run)
    expect(tokens).toBeGreaterThan(EXACT_CHARS / 64)
  })

  it('extrapolates very long prompts from their start and says the count is an estimate', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(25_000) // ~1.1 MB
    const estimate = countTokens(text)
    expect(estimate.exact).toBe(false)
    const perSentence = countTokens('The quick brown fox jumps over the lazy dog. '.repeat(100)).tokens / 100
    expect(estimate.tokens).toBeGreaterThan(perSentence * 25_000 * 0.95)
    expect(estimate.tokens).toBeLessThan(perSentence * 25_000 * 1.05)
  })

  it('finds long whitespace-free runs exactly where \\S{65} would', () => {
    const regex = /\S{65}/
    const cases = [
      'x'.repeat(64),
      'x'.repeat(65),
      `${'x'.repeat(40)}\u3000${'x'.repeat(40)}`,
      `${'x'.repeat(40)}\u00a0${'x'.repeat(40)}`,
      `${'x'.repeat(40)}\u200b${'x'.repeat(40)}`,
      `a ${'😀'.repeat(32)}b`,
      `a ${'😀'.repeat(33)}`,
      `short words\tand\nlines ${'y'.repeat(64)} end`,
      '',
    ]
    for (const text of cases) expect(hasLongRun(text), JSON.stringify(text.slice(0, 20))).toBe(regex.test(text))
  })
})
