import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { bundledResource } from '../../lib/bundled-resource'
import { parseFile } from '../../lib/json-errors'

/** A JSON value an answer must equal (objects: these keys with these values; extra keys allowed). */
type Expected = string | number | boolean | null | Expected[] | { [key: string]: Expected }
const Expected: z.ZodType<Expected> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Expected), z.record(z.string(), Expected)]))

/** How an answer is checked: the last number in it, a regular expression over the whole trimmed text, or a JSON value. */
export const ProbeCheck = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('number'), value: z.number(), tolerance: z.number().nonnegative().default(1e-9) }),
  z.object({
    kind: z.literal('regex'),
    pattern: z
      .string()
      .min(1)
      .refine((p) => isRegExp(p), 'not a valid regular expression'),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .optional(),
  }),
  z.object({ kind: z.literal('json'), equals: Expected }),
])
export type ProbeCheck = z.infer<typeof ProbeCheck>

export const ProbeItem = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** A semantic cluster id (resources/clusters/default.json): the pass rate moves this cluster's routing. */
  cluster: z.string().min(1),
  prompt: z.string().min(1).max(600),
  check: ProbeCheck,
  /** A correct answer and a plausible wrong one: the tests hold every checker to both. */
  reference: z.string(),
  wrong: z.string(),
})
export type ProbeItem = z.infer<typeof ProbeItem>

export const ProbeSet = z
  .object({ version: z.literal(1), licence: z.string(), description: z.string(), items: z.array(ProbeItem).min(1) })
  .refine((set) => new Set(set.items.map((i) => i.id)).size === set.items.length, 'probe ids must be unique')
export type ProbeSet = z.infer<typeof ProbeSet>

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern)
    return true
  } catch {
    return false
  }
}

export function bundledProbeSetFile(): string {
  return bundledResource('probe', 'probes.json')
}

export async function loadProbeSet(file = bundledProbeSetFile()): Promise<ProbeSet> {
  return parseFile('probes.json', await readFile(file, 'utf8'), ProbeSet) as ProbeSet
}

/** The verdict on one answer, with a short note a person can read when it failed. */
export interface CheckVerdict {
  passed: boolean
  note: string
}

const NUMBER = /-?\d[\d,]*(?:\.\d+)?|-?\.\d+/g

/** The last number in a text ("The answer is 1,024." → 1024); small models often add words around it. */
export function lastNumber(text: string): number | null {
  const found = text.match(NUMBER)
  const last = found?.at(-1)
  if (last === undefined) return null
  const value = Number(last.replace(/,/g, ''))
  return Number.isFinite(value) ? value : null
}

/** The JSON in an answer: the whole text, or the body of a ``` fence around it. */
function parseJsonAnswer(text: string): { ok: true; value: unknown } | { ok: false } {
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(text.trim())
  try {
    return { ok: true, value: JSON.parse(fenced?.[1] ?? text) }
  } catch {
    return { ok: false }
  }
}

const normalise = (s: string) => s.trim().toLowerCase()

/** Strings compare trimmed and case-insensitively; arrays in order and in full; objects by the expected keys. */
function matches(actual: unknown, expected: Expected): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && normalise(actual) === normalise(expected)
  if (expected === null || typeof expected !== 'object') return actual === expected
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i], e))
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
  const record = actual as Record<string, unknown>
  return Object.entries(expected).every(([key, value]) => Object.hasOwn(record, key) && matches(record[key], value))
}

export function checkAnswer(check: ProbeCheck, answer: string): CheckVerdict {
  switch (check.kind) {
    case 'number': {
      const got = lastNumber(answer)
      if (got === null) return { passed: false, note: `no number in the answer, expected ${check.value}` }
      const passed = Math.abs(got - check.value) <= check.tolerance
      return { passed, note: passed ? `answered ${got}` : `answered ${got}, expected ${check.value}` }
    }
    case 'regex': {
      const passed = new RegExp(check.pattern, check.flags).test(answer.trim())
      return { passed, note: passed ? 'answer in the expected form' : 'answer not in the expected form' }
    }
    case 'json': {
      const parsed = parseJsonAnswer(answer)
      if (!parsed.ok) return { passed: false, note: 'the answer is not JSON' }
      const passed = matches(parsed.value, check.equals)
      return { passed, note: passed ? 'JSON as expected' : 'JSON with other values than expected' }
    }
  }
}
