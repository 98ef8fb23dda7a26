import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The type-aware lint rules bite: code that drops a promise, hands an async callback to a
 * caller expecting a void one, or misses a member of a union in a switch is reported. The
 * probe is linted as the text of a real file, so the project service types it like the product.
 */
const PROBE = `export async function later(): Promise<number> {
  await Promise.resolve()
  return 1
}
later()
export function f(t: 'a' | 'b'): number {
  switch (t) {
    case 'a':
      return 1
  }
  return 0
}
export const g = (xs: number[]) => xs.forEach(async (x) => {
  await later()
  return x
})
`

describe('type-aware lint', () => {
  it('reports floating promises, misused promises and non-exhaustive switches', { timeout: 180_000 }, async () => {
    const [result] = await new ESLint({ cwd: process.cwd() }).lintText(PROBE, { filePath: 'shared/errors.ts' })
    const fired = result!.messages.map((m) => `${m.ruleId}:${m.line}`)
    expect(fired).toEqual(
      expect.arrayContaining([
        '@typescript-eslint/no-floating-promises:5',
        '@typescript-eslint/switch-exhaustiveness-check:7',
        '@typescript-eslint/no-misused-promises:13',
      ]),
    )
  })
})
