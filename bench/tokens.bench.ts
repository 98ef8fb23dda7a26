/**
 * Token counting at its worst cases: a whitespace-free run as long as what is counted exactly
 * (BPE is quadratic in run length) and a ~1.1 MB prompt (counted from its start and
 * extrapolated). Prints milliseconds; the unit tests check only the counts.
 */
import { countTokens, EXACT_CHARS } from '../electron/core/engine/tokens'

function time(label: string, text: string, runs = 5): void {
  const ms: number[] = []
  let tokens = 0
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    tokens = countTokens(text).tokens
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  console.log(
    `${label.padEnd(44)} ${String(tokens).padStart(8)} tokens  median ${ms[Math.floor(runs / 2)]!.toFixed(1).padStart(7)} ms  worst ${ms[runs - 1]!.toFixed(1).padStart(7)} ms`,
  )
}

console.log(`token counting, worst cases (Node ${process.version})`)
time(`whitespace-free run of ${EXACT_CHARS} chars`, 'x'.repeat(EXACT_CHARS))
time('1.1 MB of prose (extrapolated)', 'The quick brown fox jumps over the lazy dog. '.repeat(25_000))
