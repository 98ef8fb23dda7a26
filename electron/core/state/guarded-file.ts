import { existsSync, readFileSync, renameSync, statSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import type { DataFileProblem } from '../../../shared/health'
import { writeJsonAtomic } from '../lib/atomic-file'
import { FileFormatError, parseFile } from '../lib/json-errors'
import { errorMessage } from '../../../shared/errors'

/** A damaged data file, as the log, `doctor` and the dashboard show it. */
export type FileProblem = DataFileProblem

/** Where the value in force came from. */
export type GuardedSource = 'file' | 'missing' | 'backup' | 'in-memory' | 'fail-closed'

export interface GuardedJsonFileOptions<S extends z.ZodType> {
  dataDir: string | null
  name: string
  schema: S
  /** In force when the file does not exist (first start). */
  missing: z.infer<S>
  /** In force when the file and its .bak are both damaged: the strictest setting. */
  failClosed: z.infer<S>
  /** How the fail-closed value reads to a person: "offline mode is on". */
  failClosedText: string
  log?: (line: string) => void
}

interface Stamp {
  mtimeMs: number
  size: number
  ino: number
}

const sameStamp = (a: Stamp | null, b: Stamp | null) => a === b || (a !== null && b !== null && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino)

/**
 * A small JSON file holding a protection (a spending cap, the offline switch) that must fail
 * closed. Every save writes the same content to <name>.bak first, so a damaged file always
 * has an identical good copy beside it. A damaged file at start is replaced by that copy,
 * or, with none, by the strictest setting; a file damaged while running leaves the value in
 * force. Either way the problem names the file and field until the file is fixed or saved.
 * `refresh()` re-reads the file when another process changed it (stat stamp, async).
 */
export class GuardedJsonFile<S extends z.ZodType> {
  readonly path: string | null
  private current: z.infer<S>
  private from: GuardedSource = 'missing'
  private problemText: string | null = null
  private seen: Stamp | null = null

  constructor(private readonly options: GuardedJsonFileOptions<S>) {
    this.path = options.dataDir ? join(options.dataDir, options.name) : null
    this.current = options.missing
    if (!this.path) return
    this.seen = stampSync(this.path)
    if (this.seen === null) return
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      this.fallBack(`${options.name}: could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, true)
      return
    }
    this.accept(text, true)
  }

  get value(): z.infer<S> {
    return this.current
  }

  get source(): GuardedSource {
    return this.from
  }

  get problem(): FileProblem | null {
    return this.problemText === null ? null : { file: this.options.name, message: this.problemText }
  }

  /** Re-read the file if it changed on disk since we last read or wrote it. True when the value or the problem changed. */
  async refresh(): Promise<boolean> {
    if (!this.path) return false
    const stamp = await stat(this.path).then(stampOf, () => null)
    if (sameStamp(stamp, this.seen)) return false
    const before = JSON.stringify([this.current, this.problemText])
    this.seen = stamp
    if (stamp === null) {
      // Deleted by hand: not a reason to forget a protection; the next save writes it again.
      return false
    }
    const text = await readFile(this.path, 'utf8').catch(() => null)
    if (text === null) return false
    this.accept(text, false)
    return JSON.stringify([this.current, this.problemText]) !== before
  }

  /**
   * A user's change, applied to the file as it is on disk now (another process may have
   * saved since the last refresh), then saved. The fail-closed stand-in is not the user's
   * setting: a change to it starts from `missing` instead.
   */
  update(change: (current: z.infer<S>) => z.infer<S>): void {
    if (this.path && !sameStamp(stampSync(this.path), this.seen)) {
      this.seen = stampSync(this.path)
      try {
        this.accept(readFileSync(this.path, 'utf8'), false)
      } catch {
        // Gone or unreadable: the value in force is the base.
      }
    }
    const base = this.from === 'fail-closed' ? this.options.missing : this.current
    this.save(change(structuredClone(base)))
  }

  /** Write a new value: validated, the .bak first, then the file, both atomic. A damaged file is moved aside, not overwritten. */
  save(value: z.infer<S>): void {
    const next = this.options.schema.parse(value) as z.infer<S>
    this.current = next
    this.from = 'file'
    this.problemText = null
    if (!this.path) return
    if (existsSync(this.path)) this.moveAsideIfDamaged()
    writeJsonAtomic(`${this.path}.bak`, next)
    writeJsonAtomic(this.path, next)
    this.seen = stampSync(this.path)
  }

  private moveAsideIfDamaged(): void {
    if (!this.path) return
    try {
      parseFile(this.options.name, readFileSync(this.path, 'utf8'), this.options.schema)
    } catch (error) {
      if (!(error instanceof FileFormatError)) return
      const aside = `${this.path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`
      try {
        renameSync(this.path, aside)
        this.options.log?.(`${this.options.name}: the damaged file was moved aside to ${aside}`)
      } catch {
        // Overwritten by the save below; the .bak holds the good copy anyway.
      }
    }
  }

  private accept(text: string, initial: boolean): void {
    try {
      this.current = parseFile(this.options.name, text, this.options.schema) as z.infer<S>
      this.from = 'file'
      if (this.problemText !== null) this.options.log?.(`${this.options.name}: the file is readable again; its settings are in force`)
      this.problemText = null
    } catch (error) {
      const what = error instanceof FileFormatError ? error.message : `${this.options.name}: ${errorMessage(error)}`
      this.fallBack(what, initial)
    }
  }

  private fallBack(what: string, initial: boolean): void {
    let instead: string
    if (!initial) {
      this.from = 'in-memory'
      instead = 'The settings in force before it changed stay in force'
    } else {
      const backup = this.readBackup()
      if (backup !== null) {
        this.current = backup
        this.from = 'backup'
        instead = `Using the last good copy (${this.options.name}.bak)`
      } else {
        this.current = this.options.failClosed
        this.from = 'fail-closed'
        instead = `No good copy was found, so ${this.options.failClosedText}`
      }
    }
    const text = `${what}. ${instead} until the file is fixed or the setting is saved again.`
    if (text !== this.problemText) this.options.log?.(text)
    this.problemText = text
  }

  private readBackup(): z.infer<S> | null {
    if (!this.path) return null
    try {
      return parseFile(`${this.options.name}.bak`, readFileSync(`${this.path}.bak`, 'utf8'), this.options.schema) as z.infer<S>
    } catch {
      return null
    }
  }
}

function stampOf(s: { mtimeMs: number; size: number; ino: number }): Stamp {
  return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino }
}

function stampSync(path: string): Stamp | null {
  try {
    return stampOf(statSync(path))
  } catch {
    return null
  }
}
