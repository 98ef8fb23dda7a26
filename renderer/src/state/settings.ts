import type { EndpointConfig, ProviderKind } from '../../../shared/endpoints'
import { EndpointInput, type ConnectionTestResult, type EndpointsOverview, type EndpointView, type KeyStatus } from '../../../shared/keys'
import type { ErrorReport } from '../client/errors'

/**
 * State of the Settings terminal (endpoints and keys), as one pure reducer. It never holds
 * an API key: the key field is write-only (an uncontrolled input read once on submit), and
 * the engine answers only "set" / "not set".
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

export interface FormState {
  mode: 'create' | 'update'
  draft: EndpointDraft
  fieldErrors: Partial<Record<DraftField, string>>
  saving: boolean
  error: ErrorReport | null
}

export interface TestState {
  running: boolean
  result: ConnectionTestResult | null
  error: ErrorReport | null
}

export interface KeyOpState {
  busy: boolean
  message: string | null
  error: ErrorReport | null
}

export interface TransferState {
  busy: boolean
  message: string | null
  warnings: string[]
  error: ErrorReport | null
}

export interface SettingsState {
  overview: EndpointsOverview | null
  loading: boolean
  error: ErrorReport | null
  form: FormState | null
  tests: Record<string, TestState>
  keyOps: Record<string, KeyOpState>
  transfer: TransferState
  /** The endpoint whose removal is waiting for a second click. */
  confirmRemove: string | null
  removing: string | null
}

export type SettingsAction =
  | { type: 'list/requested' }
  | { type: 'list/succeeded'; overview: EndpointsOverview }
  | { type: 'list/failed'; error: ErrorReport }
  | { type: 'form/opened'; mode: 'create' | 'update'; draft: EndpointDraft }
  | { type: 'form/changed'; field: DraftField; value: string | boolean }
  | { type: 'form/invalid'; fieldErrors: Partial<Record<DraftField, string>> }
  | { type: 'form/saving' }
  | { type: 'form/saved'; endpoint: EndpointView }
  | { type: 'form/failed'; error: ErrorReport }
  | { type: 'form/closed' }
  | { type: 'test/requested'; id: string }
  | { type: 'test/succeeded'; id: string; result: ConnectionTestResult }
  | { type: 'test/failed'; id: string; error: ErrorReport }
  | { type: 'key/requested'; id: string }
  | { type: 'key/succeeded'; id: string; status: KeyStatus; message: string }
  | { type: 'key/failed'; id: string; error: ErrorReport }
  | { type: 'transfer/requested' }
  | { type: 'transfer/succeeded'; message: string; warnings: string[] }
  | { type: 'transfer/failed'; error: ErrorReport }
  | { type: 'transfer/dismissed' }
  | { type: 'remove/asked'; id: string }
  | { type: 'remove/cancelled' }
  | { type: 'remove/requested'; id: string }
  | { type: 'remove/succeeded'; id: string }
  | { type: 'remove/failed'; id: string; error: ErrorReport }

const IDLE_TRANSFER: TransferState = { busy: false, message: null, warnings: [], error: null }

export const initialSettings: SettingsState = {
  overview: null,
  loading: false,
  error: null,
  form: null,
  tests: {},
  keyOps: {},
  transfer: IDLE_TRANSFER,
  confirmRemove: null,
  removing: null,
}

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
export function draftToEndpoint(draft: EndpointDraft): { ok: true; endpoint: EndpointConfig } | { ok: false; fieldErrors: Partial<Record<DraftField, string>> } {
  const fieldErrors: Partial<Record<DraftField, string>> = {}
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

function withEndpoint(overview: EndpointsOverview | null, endpoint: EndpointView): EndpointsOverview | null {
  if (!overview) return overview
  const exists = overview.endpoints.some((e) => e.id === endpoint.id)
  return {
    ...overview,
    endpoints: exists ? overview.endpoints.map((e) => (e.id === endpoint.id ? endpoint : e)) : [...overview.endpoints, endpoint],
  }
}

function without<T>(record: Record<string, T>, id: string): Record<string, T> {
  const next = { ...record }
  delete next[id]
  return next
}

export function settingsReducer(state: SettingsState, action: SettingsAction): SettingsState {
  switch (action.type) {
    case 'list/requested':
      return { ...state, loading: true }
    case 'list/succeeded':
      return { ...state, loading: false, error: null, overview: action.overview }
    case 'list/failed':
      return { ...state, loading: false, error: action.error }
    case 'form/opened':
      return { ...state, form: { mode: action.mode, draft: action.draft, fieldErrors: {}, saving: false, error: null } }
    case 'form/changed': {
      if (!state.form) return state
      const draft = { ...state.form.draft, [action.field]: action.value } as EndpointDraft
      return { ...state, form: { ...state.form, draft, fieldErrors: without(state.form.fieldErrors, action.field) } }
    }
    case 'form/invalid':
      return state.form ? { ...state, form: { ...state.form, fieldErrors: action.fieldErrors, saving: false } } : state
    case 'form/saving':
      return state.form ? { ...state, form: { ...state.form, saving: true, error: null } } : state
    case 'form/saved':
      // A changed base URL makes an old test result meaningless.
      return { ...state, form: null, overview: withEndpoint(state.overview, action.endpoint), tests: without(state.tests, action.endpoint.id) }
    case 'form/failed':
      return state.form ? { ...state, form: { ...state.form, saving: false, error: action.error } } : state
    case 'form/closed':
      return { ...state, form: null }
    case 'test/requested':
      return { ...state, tests: { ...state.tests, [action.id]: { running: true, result: null, error: null } } }
    case 'test/succeeded':
      return { ...state, tests: { ...state.tests, [action.id]: { running: false, result: action.result, error: null } } }
    case 'test/failed':
      return { ...state, tests: { ...state.tests, [action.id]: { running: false, result: null, error: action.error } } }
    case 'key/requested':
      return { ...state, keyOps: { ...state.keyOps, [action.id]: { busy: true, message: null, error: null } } }
    case 'key/succeeded': {
      const overview = state.overview && {
        ...state.overview,
        endpoints: state.overview.endpoints.map((e) => (e.id === action.id ? { ...e, key: action.status } : e)),
      }
      return {
        ...state,
        overview,
        keyOps: { ...state.keyOps, [action.id]: { busy: false, message: action.message, error: null } },
        tests: without(state.tests, action.id),
      }
    }
    case 'key/failed':
      return { ...state, keyOps: { ...state.keyOps, [action.id]: { busy: false, message: null, error: action.error } } }
    case 'transfer/requested':
      return { ...state, transfer: { ...IDLE_TRANSFER, busy: true } }
    case 'transfer/succeeded':
      return { ...state, transfer: { busy: false, message: action.message, warnings: action.warnings, error: null } }
    case 'transfer/failed':
      return { ...state, transfer: { ...IDLE_TRANSFER, error: action.error } }
    case 'transfer/dismissed':
      return { ...state, transfer: IDLE_TRANSFER }
    case 'remove/asked':
      return { ...state, confirmRemove: action.id }
    case 'remove/cancelled':
      return { ...state, confirmRemove: null }
    case 'remove/requested':
      return { ...state, confirmRemove: null, removing: action.id }
    case 'remove/succeeded': {
      const overview = state.overview && { ...state.overview, endpoints: state.overview.endpoints.filter((e) => e.id !== action.id) }
      return {
        ...state,
        overview,
        removing: null,
        tests: without(state.tests, action.id),
        keyOps: without(state.keyOps, action.id),
        form: state.form?.draft.id === action.id ? null : state.form,
      }
    }
    case 'remove/failed':
      return { ...state, removing: null, keyOps: { ...state.keyOps, [action.id]: { busy: false, message: null, error: action.error } } }
  }
}

/** "SET (KEYCHAIN)" / "NOT SET": all the dashboard ever knows about a key. */
export function keyLabel(status: KeyStatus): string {
  if (status.state === 'set') return status.source === 'env' ? 'SET (ENV)' : 'SET (KEYCHAIN)'
  return status.state === 'unknown' ? 'UNKNOWN' : 'NOT SET'
}
