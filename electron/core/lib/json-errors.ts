import type { z } from 'zod'

/**
 * A file that failed to load, with a message that names the file and the field (or the
 * line and column of a syntax error) and never quotes the file's content: a settings or
 * keys file may hold an API key, and V8's JSON.parse errors quote the text around the fault.
 */
export class FileFormatError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`)
    this.name = 'FileFormatError'
  }
}

/**
 * A field name from the file, fit to print. Names come from the user's file too (record
 * keys, unknown fields); one that is long and key-like (e.g. a key pasted as a field name)
 * is cut to its first characters.
 */
export function safeName(name: string): string {
  const keyLike = name.length > 16 && /\d/.test(name) && /[A-Z]/.test(name) && /[a-z]/.test(name) && !/\s/.test(name)
  if (name.length > 40 || keyLike) return `${name.slice(0, 4)}…`
  return name
}

/** `endpoints[2].baseURL` from zod's ['endpoints', 2, 'baseURL']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out ? `.${safeName(String(part))}` : safeName(String(part))
  }
  return out || '(top level)'
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => `"${safeName(k)}"`).join(', ')
    return `unknown field${issue.keys.length === 1 ? '' : 's'} ${names}`
  }
  return issue.message
}

/** One line per issue, `field: message`, at most `limit` of them. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string {
  const lines = issues.slice(0, limit).map((issue) => `${formatPath(issue.path)}: ${issueMessage(issue)}`)
  if (issues.length > limit) lines.push(`and ${issues.length - limit} more`)
  return lines.join('; ')
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(position, text.length)))
  const line = before.split('\n').length
  const column = position - before.lastIndexOf('\n')
  return { line, column }
}

/**
 * Where the first JSON syntax error is (an offset), found by a small recursive-descent
 * scan: V8's own message quotes the text around the error and, in Node 20, often gives
 * no position at all. Returns text.length when the text ends too early.
 */
export function jsonErrorOffset(text: string): number | null {
  let i = 0
  class Stop {
    constructor(readonly at: number) {}
  }
  const fail = (at = i): never => {
    throw new Stop(at)
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) fail(i - 1)
  }
  const string = () => {
    i++ // opening quote
    while (i < text.length) {
      const ch = text[i]!
      if (ch === '"') return void i++
      if (ch < ' ') fail()
      if (ch === '\\') {
        const next = text[i + 1]
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i + 1)
          i += 6
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2
        else fail(i + 1)
      } else i++
    }
    fail(text.length)
  }
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))
    if (!match || match[0] === '' || match[0] === '-') fail()
    i += match![0].length
  }
  const value = (): void => {
    ws()
    const ch = text[i]
    if (ch === undefined) fail(text.length)
    if (ch === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] !== '"') fail(i)
        string()
        ws()
        if (text[i] !== ':') fail(i)
        i++
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else fail(i)
      }
    }
    if (ch === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (;;) {
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else fail(i)
      }
    }
    if (ch === '"') return string()
    if (ch === 't') return literal('true')
    if (ch === 'f') return literal('false')
    if (ch === 'n') return literal('null')
    return number()
  }
  try {
    value()
    ws()
    return i < text.length ? i : null
  } catch (stop) {
    if (stop instanceof Stop) return Math.min(stop.at, text.length)
    throw stop
  }
}

/** JSON.parse whose error says where, not what: "not valid JSON (line 3, column 14)". */
export function parseJsonFile(file: string, text: string): unknown {
  const body = text.replace(/^\uFEFF/, '')
  try {
    return JSON.parse(body)
  } catch {
    // Never pass V8's message on: it quotes the text, which may hold a key.
    const offset = jsonErrorOffset(body)
    let where = ''
    if (offset === null) {
      // JSON.parse refused what the scan accepts (should not happen): say nothing more.
    } else if (offset >= body.length) where = body.trim() === '' ? ' (the file is empty)' : ' (it ends too early)'
    else {
      const { line, column } = lineAndColumn(body, offset)
      where = ` (line ${line}, column ${column})`
    }
    throw new FileFormatError(file, `is not valid JSON${where}`)
  }
}

/** Parse JSON and validate it, or throw a FileFormatError naming the field. */
export function parseFile<T extends z.ZodType>(file: string, text: string, schema: T): z.infer<T> {
  const raw = parseJsonFile(file, text)
  const result = schema.safeParse(raw)
  if (!result.success) throw new FileFormatError(file, describeIssues(result.error.issues))
  return result.data
}
