import { Policy } from '../../../shared/policy'
import { SemanticSettings } from '../../../shared/semantic-settings'

/**
 * The policy accordions' pure side: which fields each section edits, how a typed value becomes
 * a policy value, how a section's edits become an override patch, and the client-side check
 * (the same zod schema the engine checks the merged policy with), with errors by field path.
 */

export type PolicyDoc = Record<string, unknown>

export type FieldKind = 'number' | 'integer' | 'boolean' | 'enum' | 'text' | 'optional-text' | 'list'

export interface FieldSpec {
  /** Dotted path in the policy, e.g. `bandit.epsilon.floor` (array items by index: `rules.triggers.3.weight`). */
  path: string
  label: string
  kind: FieldKind
  options?: readonly string[]
  hint?: string
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The value at a dotted path, or undefined. */
export function readPath(doc: unknown, path: string): unknown {
  let at: unknown = doc
  for (const key of path.split('.')) {
    if (Array.isArray(at)) at = at[Number(key)]
    else if (isObject(at)) at = at[key]
    else return undefined
  }
  return at
}

/** `patch` laid over `base` the way the engine lays an override over the policy file: objects merge, arrays and scalars replace. */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch === undefined ? base : patch
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) out[key] = mergePatch(base[key], value)
  return out
}

type Container = Record<string, unknown> | unknown[]

function childOf(container: unknown, key: string): unknown {
  if (Array.isArray(container)) return container[Number(key)]
  return isObject(container) ? container[key] : undefined
}

function assign(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) container[Number(key)] = value
  else container[key] = value
}

function setIn(patch: Container, source: unknown, keys: readonly string[], value: unknown): void {
  const [key, ...rest] = keys as [string, ...string[]]
  if (rest.length === 0) return assign(patch, key, value)
  const from = childOf(source, key)
  // Inside a copied array every item is already there; an array met on the way is copied whole.
  const slot = (childOf(patch, key) as Container | undefined) ?? (Array.isArray(from) ? structuredClone(from) : {})
  assign(patch, key, slot)
  setIn(slot, from, rest, value)
}

/**
 * A patch that sets each path to its value. A path through an array replaces the whole array
 * (arrays are replaced, never merged), so the array is copied from `effective` and edited.
 */
export function patchFor(effective: unknown, values: ReadonlyMap<string, unknown>): PolicyDoc {
  const patch: PolicyDoc = {}
  for (const [path, value] of values) setIn(patch, effective, path.split('.'), value)
  return patch
}

/**
 * The policy in force as the fields show it: the semantic section with its own defaults filled
 * in (the policy keeps only what was set there), so an untouched field is never a change.
 */
export function withSemanticDefaults(effective: unknown): unknown {
  if (!isObject(effective)) return effective
  const semantic = SemanticSettings.safeParse(effective.semantic ?? {})
  return semantic.success ? { ...effective, semantic: semantic.data } : effective
}

/** The text a field shows for a policy value. */
export function fieldText(spec: FieldSpec, value: unknown): string {
  if (spec.kind === 'list') return Array.isArray(value) ? value.join(', ') : ''
  if (value === null || value === undefined) return ''
  return String(value)
}

/**
 * A field's typed text → the policy value, or a message. Numbers must be plain numerals (no
 * "1e3", no empty field); ranges are left to the schema, which knows them.
 */
export function parseField(spec: FieldSpec, raw: FormDataEntryValue | null): { ok: true; value: unknown } | { ok: false; message: string } {
  const text = typeof raw === 'string' ? raw.trim() : ''
  switch (spec.kind) {
    case 'boolean':
      return { ok: true, value: raw === 'on' || raw === 'true' }
    case 'number':
    case 'integer': {
      if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(text)) return { ok: false, message: text === '' ? 'enter a number' : `"${text}" is not a number` }
      const value = Number(text)
      if (spec.kind === 'integer' && !Number.isInteger(value)) return { ok: false, message: 'enter a whole number' }
      return { ok: true, value }
    }
    case 'enum':
      return spec.options?.includes(text) ? { ok: true, value: text } : { ok: false, message: `choose one of ${spec.options?.join(', ')}` }
    case 'optional-text':
      return { ok: true, value: text === '' ? null : text }
    case 'list':
      return {
        ok: true,
        value: text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      }
    case 'text':
      return { ok: true, value: text }
  }
}

export type FieldErrors = Record<string, string>

/** Read a section's fields from a submitted form: the values that differ from `effective`, and the fields that could not be read. */
export function readSection(specs: readonly FieldSpec[], form: FormData, effective: unknown): { changed: Map<string, unknown>; errors: FieldErrors } {
  const changed = new Map<string, unknown>()
  const errors: FieldErrors = {}
  for (const spec of specs) {
    const parsed = parseField(spec, form.get(spec.path))
    if (!parsed.ok) errors[spec.path] = parsed.message
    else if (JSON.stringify(parsed.value) !== JSON.stringify(readPath(effective, spec.path))) changed.set(spec.path, parsed.value)
  }
  return { changed, errors }
}

/** zod's issue path as the dotted path the fields are named by. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}

/**
 * The override `patch` over the policy file's `base`, checked with the schemas the engine loads
 * the merged policy with (the policy's, then the semantic router's for its section): field
 * errors by dotted path.
 */
export function checkPatch(base: unknown, patch: PolicyDoc): { ok: true } | { ok: false; errors: FieldErrors } {
  const merged = mergePatch(base, patch)
  const policy = Policy.safeParse(merged)
  const semantic = SemanticSettings.safeParse(readPath(merged, 'semantic') ?? {})
  const issues = [
    ...(policy.success ? [] : policy.error.issues.map((i) => [issuePath(i.path), i.message] as const)),
    ...(semantic.success ? [] : semantic.error.issues.map((i) => [issuePath(['semantic', ...i.path]), i.message] as const)),
  ]
  if (issues.length === 0) return { ok: true }
  const errors: FieldErrors = {}
  for (const [path, message] of issues) errors[path] ??= message
  return { ok: false, errors }
}

/** The errors that belong to a field: its own, and any about a value inside it (a list item). */
export function errorFor(errors: FieldErrors, path: string): string | null {
  if (errors[path]) return errors[path]
  const inner = Object.keys(errors).find((p) => p.startsWith(`${path}.`))
  return inner ? `${inner.slice(path.length + 1)}: ${errors[inner]}` : null
}

/**
 * The engine's field errors from a refused save (zod issues with a path, possibly under the
 * channel's `patch` input), by dotted policy path; issues without a path are left out.
 */
export function serverFieldErrors(issues: unknown): FieldErrors {
  const errors: FieldErrors = {}
  if (!Array.isArray(issues)) return errors
  for (const issue of issues as Array<{ path?: unknown; message?: unknown }>) {
    if (typeof issue?.message !== 'string') continue
    const raw = Array.isArray(issue.path) ? issuePath(issue.path as PropertyKey[]) : typeof issue.path === 'string' ? issue.path : ''
    const path = raw.replace(/^patch\./, '')
    if (path !== '') errors[path] ??= issue.message
  }
  return errors
}
