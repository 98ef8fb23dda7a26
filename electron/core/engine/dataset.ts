import { readFile } from 'node:fs/promises'
import type { Tier } from '../../../shared/decision'
import { errorMessage } from '../../../shared/errors'

/** One prompt of a batch, with where it came from in the file. */
export interface DatasetItem {
  /** 1-based line number in the file. */
  line: number
  prompt: string
  id?: string
  label?: Tier
  source?: string
  /** Outcome data: how well the strong and the weak model did on the prompt (1/0 correct, or a score). */
  strong?: number
  weak?: number
  subject?: string
}

/** True when the line carries both models' outcomes. */
export const hasOutcomes = (i: DatasetItem): i is DatasetItem & { strong: number; weak: number } => i.strong !== undefined && i.weak !== undefined

export class DatasetError extends Error {
  override name = 'DatasetError'
}

export interface DatasetOptions {
  /** Every line must be JSON with a `label` of local or cloud. */
  requireLabels?: boolean
  /** Every line must carry a `label`, or both `strong` and `weak` outcomes. */
  requireTruth?: boolean
}

/**
 * Reads a batch: JSONL lines with a `prompt` (and optionally `label`, `source`, `id`, or the
 * outcomes `strong` and `weak`), or plain text, one prompt per line. Blank lines are skipped.
 * Errors name the line.
 */
export function parseDataset(text: string, opts: DatasetOptions = {}): DatasetItem[] {
  const items: DatasetItem[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '') return
    const item = raw.trimStart().startsWith('{') ? fromJson(raw, line) : { line, prompt: raw }
    if (opts.requireLabels && item.label === undefined) {
      throw new DatasetError(`line ${line}: needs a JSON object with "label": "local" or "cloud"`)
    }
    if (opts.requireTruth && item.label === undefined && !hasOutcomes(item)) {
      throw new DatasetError(`line ${line}: needs a JSON object with "label": "local" or "cloud", or both "strong" and "weak" outcomes`)
    }
    items.push(item)
  })
  return items
}

function fromJson(raw: string, line: number): DatasetItem {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (error) {
    throw new DatasetError(`line ${line}: not valid JSON (${errorMessage(error)})`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DatasetError(`line ${line}: expected a JSON object`)
  const o = value as Record<string, unknown>
  if (typeof o.prompt !== 'string' || o.prompt.length === 0) throw new DatasetError(`line ${line}: "prompt" must be a non-empty string`)
  const item: DatasetItem = { line, prompt: o.prompt }
  if (o.label !== undefined) {
    if (o.label !== 'local' && o.label !== 'cloud') throw new DatasetError(`line ${line}: "label" must be "local" or "cloud", not ${JSON.stringify(o.label)}`)
    item.label = o.label
  }
  if (typeof o.source === 'string') item.source = o.source
  if (typeof o.subject === 'string') item.subject = o.subject
  for (const model of ['strong', 'weak'] as const) {
    const v = o[model]
    if (v === undefined) continue
    const score = typeof v === 'boolean' ? Number(v) : v
    if (typeof score !== 'number' || !Number.isFinite(score))
      throw new DatasetError(`line ${line}: "${model}" must be 1/0, true/false or a number, not ${JSON.stringify(v)}`)
    item[model] = score
  }
  if ((item.strong === undefined) !== (item.weak === undefined)) throw new DatasetError(`line ${line}: outcome data needs both "strong" and "weak"`)
  if (typeof o.id === 'string' || typeof o.id === 'number') item.id = String(o.id)
  return item
}

export async function readDataset(file: string, opts: DatasetOptions = {}): Promise<DatasetItem[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new DatasetError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`)
  }
  const items = parseDataset(text, opts)
  if (items.length === 0) throw new DatasetError(`${file} holds no prompts`)
  return items
}
