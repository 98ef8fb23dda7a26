import { z } from 'zod'
import { Policy, ThresholdOverride } from '../../../shared/policy'
import { ModelThresholds, SemanticSettings } from '../semantic/settings'

export interface PolicyIssue {
  /** Dotted path of the bad field, e.g. "rules.triggers[2].pattern"; "" for the whole file. */
  path: string
  message: string
}

/** A policy or override file that cannot be used; the message names every bad field. */
export class PolicyError extends Error {
  override name = 'PolicyError'
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
  ) {
    super(`${file}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`)
  }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: PolicyError }

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '')
}

export function issuesOf(error: z.ZodError, prefix = ''): PolicyIssue[] {
  return error.issues.map((i) => {
    const path = formatPath(i.path)
    // An unknown key is most often a typo: name it in the path so it can be found.
    const keys = i.code === 'unrecognized_keys' ? i.keys : []
    const full = [prefix, path].filter(Boolean).join('.')
    return { path: keys.length === 1 ? [full, keys[0]].filter(Boolean).join('.') : full, message: i.message }
  })
}

function parseJson(text: string, file: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, error: new PolicyError(file, [{ path: '', message: `not valid JSON (${(error as Error).message})` }]) }
  }
}

/** Validates a policy (already parsed JSON); the semantic section is checked by the semantic pillar's schema. */
export function parsePolicy(raw: unknown, file = 'policy'): Parsed<Policy> {
  const result = Policy.safeParse(raw)
  if (!result.success) return { ok: false, error: new PolicyError(file, issuesOf(result.error)) }
  if (result.data.semantic !== undefined) {
    const semantic = SemanticSettings.safeParse(result.data.semantic)
    if (!semantic.success) return { ok: false, error: new PolicyError(file, issuesOf(semantic.error, 'semantic')) }
  }
  return { ok: true, value: result.data }
}

export function parsePolicyText(text: string, file = 'policy'): Parsed<Policy> {
  const json = parseJson(text, file)
  return json.ok ? parsePolicy(json.value, file) : json
}

export function parseOverrideText(text: string, file = 'threshold override'): Parsed<ThresholdOverride> {
  const json = parseJson(text, file)
  if (!json.ok) return json
  const result = ThresholdOverride.safeParse(json.value)
  if (!result.success) return { ok: false, error: new PolicyError(file, issuesOf(result.error)) }
  if (result.data.semanticThresholds !== undefined) {
    const semantic = z.record(z.string(), ModelThresholds).safeParse(result.data.semanticThresholds)
    if (!semantic.success) return { ok: false, error: new PolicyError(file, issuesOf(semantic.error, 'semanticThresholds')) }
  }
  return { ok: true, value: result.data }
}

/**
 * The policy the router runs with: the override's threshold, and any fitted semantic
 * thresholds (per model), layered over the file's.
 */
export function applyOverride(policy: Policy, override: ThresholdOverride | null): Policy {
  if (!override) return policy
  if (!override.semanticThresholds) return { ...policy, threshold: override.threshold }
  const thresholds = (policy.semantic['thresholds'] as Record<string, unknown> | undefined) ?? {}
  return {
    ...policy,
    threshold: override.threshold,
    semantic: { ...policy.semantic, thresholds: { ...thresholds, ...override.semanticThresholds } },
  }
}
