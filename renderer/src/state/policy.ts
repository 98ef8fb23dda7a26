import type { PolicyStatus } from '../../../shared/policy-contract'
import type { ErrorReport } from '../client/errors'

/**
 * State of the ROUTING POLICY panel, as one pure reducer, plus the pure helpers it renders
 * with. The threshold field is a string until it is checked; a fresh status never overwrites
 * what the user is typing.
 */
export interface PolicyState {
  status: PolicyStatus | null
  loading: boolean
  error: ErrorReport | null
  /** The threshold field as typed. */
  draft: string
  /** True once the user edited the field. */
  dirty: boolean
  fieldError: string | null
  /** A save or reset in flight. */
  busy: 'saving' | 'resetting' | null
  /** Why the last save or reset failed. */
  actionError: ErrorReport | null
  /** "Threshold set to 40." after a change, until the next edit. */
  message: string | null
}

export type PolicyAction =
  | { type: 'policy/requested' }
  | { type: 'policy/succeeded'; status: PolicyStatus }
  | { type: 'policy/failed'; error: ErrorReport }
  | { type: 'threshold/changed'; value: string }
  | { type: 'threshold/invalid'; message: string }
  | { type: 'threshold/saving' }
  | { type: 'threshold/resetting' }
  /** A save or reset went through: the engine's new status. */
  | { type: 'threshold/applied'; status: PolicyStatus; message: string }
  | { type: 'threshold/failed'; error: ErrorReport }

export const initialPolicy: PolicyState = {
  status: null,
  loading: false,
  error: null,
  draft: '',
  dirty: false,
  fieldError: null,
  busy: null,
  actionError: null,
  message: null,
}

/** A threshold as the field shows it: whole numbers bare, others to two decimals at most. */
export function formatThreshold(threshold: number): string {
  return Number.isInteger(threshold) ? String(threshold) : String(Math.round(threshold * 100) / 100)
}

/** The field's text → a threshold 0–100, or a message for the field. */
export function parseThreshold(text: string): { ok: true; threshold: number } | { ok: false; message: string } {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: false, message: 'Enter a threshold between 0 and 100.' }
  const value = /^-?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (!Number.isFinite(value)) return { ok: false, message: 'The threshold is a number between 0 and 100, e.g. 65.' }
  if (value < 0 || value > 100) return { ok: false, message: `${trimmed} is outside 0–100: prompts scoring above the threshold go to the cloud.` }
  return { ok: true, threshold: value }
}

/** Where the threshold in force comes from. */
export function thresholdSource(status: PolicyStatus): 'override' | 'policy' | 'default' {
  if (status.override?.threshold != null) return 'override'
  return status.policyFileExists ? 'policy' : 'default'
}

function withStatus(state: PolicyState, status: PolicyStatus, keepDraft: boolean): PolicyState {
  return { ...state, status, loading: false, error: null, draft: keepDraft ? state.draft : formatThreshold(status.threshold) }
}

export function policyReducer(state: PolicyState, action: PolicyAction): PolicyState {
  switch (action.type) {
    case 'policy/requested':
      return { ...state, loading: true }
    case 'policy/succeeded':
      return withStatus(state, action.status, state.dirty || state.busy !== null)
    case 'policy/failed':
      return { ...state, loading: false, error: action.error }
    case 'threshold/changed':
      return { ...state, draft: action.value, dirty: true, fieldError: null, actionError: null, message: null }
    case 'threshold/invalid':
      return { ...state, fieldError: action.message, message: null }
    case 'threshold/saving':
      return { ...state, busy: 'saving', fieldError: null, actionError: null, message: null }
    case 'threshold/resetting':
      return { ...state, busy: 'resetting', fieldError: null, actionError: null, message: null }
    case 'threshold/applied':
      return { ...withStatus(state, action.status, false), dirty: false, busy: null, fieldError: null, actionError: null, message: action.message }
    case 'threshold/failed':
      return { ...state, busy: null, actionError: action.error, message: null }
  }
}
