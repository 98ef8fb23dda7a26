/** What `routellm doctor` reports: one line per check, ok / warn / fail. */
export type CheckStatus = 'ok' | 'warn' | 'fail'

/** What one check found. */
export interface Verdict {
  status: CheckStatus
  /** One line a person can act on. Never a key. */
  message: string
  /** Machine-readable facts behind the message (--json). */
  detail?: Record<string, unknown>
}

export interface CheckResult extends Verdict {
  /** Stable id for scripts: "data-dir", "policy", "embedding-model", … */
  id: string
  /** Short label for the human-readable table. */
  label: string
}

export interface DoctorReport {
  /** True when no check failed (warnings allowed): the exit code is 0. */
  ok: boolean
  dataDir: string
  checks: CheckResult[]
  summary: Record<CheckStatus, number>
}

export const ok = (message: string, detail?: Record<string, unknown>): Verdict => ({ status: 'ok', message, ...(detail ? { detail } : {}) })
export const warn = (message: string, detail?: Record<string, unknown>): Verdict => ({ status: 'warn', message, ...(detail ? { detail } : {}) })
export const fail = (message: string, detail?: Record<string, unknown>): Verdict => ({ status: 'fail', message, ...(detail ? { detail } : {}) })
