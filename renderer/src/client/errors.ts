import { ContractError } from '../../../shared/client'

export type ContractErrorCode = ContractError['code']

const CODES: readonly ContractErrorCode[] = ['invalid-input', 'unauthorized', 'forbidden', 'not-found', 'internal', 'unavailable']

export function isContractErrorCode(value: unknown): value is ContractErrorCode {
  return typeof value === 'string' && (CODES as readonly string[]).includes(value)
}

/** The code a bare HTTP status stands for, when the body did not say. */
export function codeForStatus(status: number): ContractErrorCode {
  if (status === 400 || status === 413 || status === 422) return 'invalid-input'
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not-found'
  if (status === 502 || status === 503 || status === 504) return 'unavailable'
  return 'internal'
}

/** Electron wraps rejections of ipcRenderer.invoke: "Error invoking remote method 'x': Error: msg". */
const IPC_WRAPPER = /^Error invoking remote method '[^']*':\s*(?:[A-Za-z]*Error:\s*)?/
/** contextBridge keeps only an Error's message, so the preload rejects with "[code] message". */
const CODE_PREFIX = /^\[([a-z-]+)\]\s*([\s\S]*)$/

interface ErrorLike {
  message?: unknown
  code?: unknown
  issues?: unknown
  error?: unknown
}

function fromShape(value: unknown): ContractError | null {
  if (typeof value !== 'object' || value === null) return null
  const shape = value as ErrorLike
  if (typeof shape.error === 'object' && shape.error !== null) return fromShape(shape.error)
  if (typeof shape.message === 'string' && isContractErrorCode(shape.code)) {
    return new ContractError(shape.message, shape.code, shape.issues)
  }
  return null
}

/**
 * Turn anything a transport threw into a ContractError whose message is fit to show a
 * person: ContractError passes through; {message, code, issues} shapes (also nested under
 * `error`, also JSON-encoded inside an IPC error message) are rebuilt; the rest is 'internal'.
 */
export function toContractError(err: unknown): ContractError {
  if (err instanceof ContractError) return err
  const shaped = fromShape(err)
  if (shaped) return shaped
  if (typeof DOMException !== 'undefined' && err instanceof DOMException && err.name === 'AbortError') {
    return new ContractError('The request was cancelled.', 'unavailable')
  }
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const raw = String((err as { message: unknown }).message)
    const message = raw.replace(IPC_WRAPPER, '').trim()
    const prefixed = CODE_PREFIX.exec(message)
    if (prefixed && isContractErrorCode(prefixed[1])) {
      return new ContractError(prefixed[2] || 'Unknown error', prefixed[1])
    }
    if (message.startsWith('{')) {
      try {
        const parsed = fromShape(JSON.parse(message))
        if (parsed) return parsed
      } catch {
        // not JSON: fall through to the plain message
      }
    }
    return new ContractError(message || 'Unknown error', 'internal')
  }
  if (typeof err === 'string' && err) return new ContractError(err, 'internal')
  return new ContractError('Unknown error', 'internal')
}

/** Zod-style issues ([{path, message}]) as one short line each; anything else is ignored. */
export function formatIssues(issues: unknown, limit = 8): string[] {
  if (!Array.isArray(issues)) return []
  const lines: string[] = []
  for (const issue of issues.slice(0, limit)) {
    if (typeof issue !== 'object' || issue === null) continue
    const { path, message } = issue as { path?: unknown; message?: unknown }
    if (typeof message !== 'string') continue
    const where = Array.isArray(path) && path.length > 0 ? path.map(String).join('.') : 'input'
    lines.push(`${where}: ${message}`)
  }
  if (issues.length > limit) lines.push(`… and ${issues.length - limit} more`)
  return lines
}

const HINTS: Partial<Record<ContractErrorCode, string>> = {
  unauthorized: 'The access token is missing or was rejected. Open the dashboard with the full URL printed by `npm run serve` (it ends with #token=…).',
  forbidden: 'The host refused this origin. Open the dashboard at the 127.0.0.1 address the host printed.',
  unavailable: 'The engine or a model server could not be reached. Check the host is running and try again.',
}

export interface ErrorReport {
  message: string
  code: ContractErrorCode
  details: string[]
  hint: string | null
}

export function describeError(err: unknown): ErrorReport {
  const e = toContractError(err)
  return { message: e.message, code: e.code, details: formatIssues(e.issues), hint: HINTS[e.code] ?? null }
}
