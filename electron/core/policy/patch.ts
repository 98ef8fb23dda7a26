import { isDeepStrictEqual } from 'node:util'
import { DEFAULT_POLICY, type Policy, type PolicyPatch } from '../../../shared/policy'

export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `patch` over `base`: objects merge key by key, arrays and scalars replace. Neither input is changed. */
export function mergePatch<T extends Record<string, unknown>>(base: T, patch: PolicyPatch): T {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key]
    out[key] = isPlainObject(value) && isPlainObject(current) ? mergePatch(current, value) : structuredClone(value)
  }
  return out as T
}

export type DiffSource = 'policy-file' | 'override'

export interface PolicyDiffEntry {
  /** Dotted path of the field, e.g. "bandit.epsilon.warmup"; an array is one field. */
  path: string
  default: unknown
  value: unknown
  source: DiffSource
}

/** Whether the patch sets `path` or one of its parents (then the override decides that field). */
function patchSets(patch: PolicyPatch, path: readonly string[]): boolean {
  let node: unknown = patch
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return false
    node = node[key]
    if (!isPlainObject(node)) return true
  }
  return true
}

/**
 * Every field where the effective policy differs from the built-in defaults, with where the
 * value comes from: the override when its patch sets the field, else the policy file.
 */
export function policyDiff(effective: Policy, patch: PolicyPatch, defaults: Policy = DEFAULT_POLICY): PolicyDiffEntry[] {
  const out: PolicyDiffEntry[] = []
  const walk = (def: unknown, value: unknown, path: string[]) => {
    if (isDeepStrictEqual(def, value)) return
    if (isPlainObject(def) && isPlainObject(value)) {
      for (const key of new Set([...Object.keys(def), ...Object.keys(value)])) walk(def[key], value[key], [...path, key])
      return
    }
    out.push({ path: path.join('.'), default: def ?? null, value: value ?? null, source: patchSets(patch, path) ? 'override' : 'policy-file' })
  }
  walk(defaults, effective, [])
  return out
}
