import type { EndpointConfig, ProviderKind } from '../../../shared/endpoints'
import { EndpointInput, type KeyStatus } from '../../../shared/keys'

/**
 * The Settings terminal's endpoint form as pure helpers: the draft as typed, and the check
 * with the contract's schema. Nothing here holds an API key: the key field is write-only (an
 * uncontrolled input read once on submit), and the engine answers only "set" / "not set".
 */

/** The endpoint form as typed: every field a string until it is checked. */
export interface EndpointDraft {
  id: string
  name: string
  provider: ProviderKind
  baseURL: string
  tier: 'local' | 'cloud'
  /** One model per line (or comma-separated); the first is the default. */
  models: string
  /** One model per line: `<model> <input $/MTok> <output $/MTok>`. */
  prices: string
  enabled: boolean
}

export type DraftField = keyof EndpointDraft

export type FieldErrors = Partial<Record<DraftField, string>>

export const emptyDraft: EndpointDraft = {
  id: '',
  name: '',
  provider: 'custom',
  baseURL: '',
  tier: 'cloud',
  models: '',
  prices: '',
  enabled: true,
}

export function draftFromEndpoint(e: Omit<EndpointConfig, 'models' | 'prices'> & Partial<Pick<EndpointConfig, 'models' | 'prices'>>): EndpointDraft {
  return {
    id: e.id,
    name: e.name,
    provider: e.provider,
    baseURL: e.baseURL,
    tier: e.tier,
    models: (e.models ?? []).join('\n'),
    prices: Object.entries(e.prices ?? {})
      .map(([model, p]) => `${model} ${p.inputPerMTok} ${p.outputPerMTok}`)
      .join('\n'),
    enabled: e.enabled,
  }
}

function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Check a draft with the contract's own schema; errors come back per field. */
export function draftToEndpoint(draft: EndpointDraft): { ok: true; endpoint: EndpointConfig } | { ok: false; fieldErrors: FieldErrors } {
  const fieldErrors: FieldErrors = {}
  const prices: EndpointConfig['prices'] = {}
  draft.prices
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const parts = line.split(/\s+/)
      const [model, input, output] = parts
      const inputPerMTok = Number(input)
      const outputPerMTok = Number(output)
      if (parts.length !== 3 || !model || !Number.isFinite(inputPerMTok) || !Number.isFinite(outputPerMTok) || inputPerMTok < 0 || outputPerMTok < 0) {
        fieldErrors.prices ??= `line ${i + 1}: write "<model> <input $/MTok> <output $/MTok>", e.g. "gpt-4o-mini 0.15 0.6"`
        return
      }
      prices[model] = { inputPerMTok, outputPerMTok }
    })
  const candidate = {
    id: draft.id.trim(),
    name: draft.name.trim(),
    provider: draft.provider,
    baseURL: draft.baseURL.trim(),
    tier: draft.tier,
    models: splitList(draft.models),
    prices,
    enabled: draft.enabled,
  }
  const parsed = EndpointInput.safeParse(candidate)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0]
      const key = (typeof field === 'string' && field in emptyDraft ? field : 'id') as DraftField
      fieldErrors[key] ??= issue.message
    }
  }
  if (Object.keys(fieldErrors).length > 0 || !parsed.success) return { ok: false, fieldErrors }
  return { ok: true, endpoint: parsed.data }
}

/** "SET (KEYCHAIN)" / "NOT SET": all the dashboard ever knows about a key. */
export function keyLabel(status: KeyStatus): string {
  if (status.state === 'set') return status.source === 'env' ? 'SET (ENV)' : 'SET (KEYCHAIN)'
  return status.state === 'unknown' ? 'UNKNOWN' : 'NOT SET'
}
