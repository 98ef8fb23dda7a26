import { z } from 'zod'
import { Policy, PolicyOverrideFile, type PolicyOverride, type PolicyPatch } from '../../../shared/policy'
import { mergePatch } from './patch'
import { ModelThresholds, SemanticSettings } from '../semantic/settings'
import { errorMessage } from '../../../shared/errors'

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
    return { ok: false, error: new PolicyError(file, [{ path: '', message: `not valid JSON (${errorMessage(error)})` }]) }
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

/** Reads an override file; one in the earlier threshold-only form comes back as the equivalent patch. */
export function parseOverrideText(text: string, file = 'policy override'): Parsed<PolicyOverride> {
  const json = parseJson(text, file)
  if (!json.ok) return json
  const result = PolicyOverrideFile.safeParse(json.value)
  if (!result.success) return { ok: false, error: new PolicyError(file, issuesOf(result.error)) }
  const { threshold, semanticThresholds, patch, ...meta } = result.data
  if (semanticThresholds !== undefined) {
    const semantic = z.record(z.string(), ModelThresholds).safeParse(semanticThresholds)
    if (!semantic.success) return { ok: false, error: new PolicyError(file, issuesOf(semantic.error, 'semanticThresholds')) }
  }
  const legacy: PolicyPatch = {
    ...(threshold !== undefined ? { threshold } : {}),
    ...(semanticThresholds !== undefined ? { semantic: { thresholds: semanticThresholds } } : {}),
  }
  return { ok: true, value: { ...meta, patch: mergePatch(legacy, patch ?? {}) } }
}

/**
 * The policy the router runs with: the override's patch merged over the file's policy, then
 * validated as a whole, so a patch that breaks the policy is rejected by field path
 * (e.g. "bandit.epsilon.warmup: Too small: expected number to be >=0.1").
 */
export function applyOverride(policy: Policy, override: Pick<PolicyOverride, 'patch'> | null, file = 'policy override'): Parsed<Policy> {
  if (!override) return { ok: true, value: policy }
  return parsePolicy(mergePatch(policy, override.patch), file)
}
