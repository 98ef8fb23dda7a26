import { existsSync, readFileSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { ContractError } from '../../../shared/client'
import { EndpointConfig } from '../../../shared/endpoints'
import { writeFileAtomic } from '../lib/atomic-file'
import { watchFolderFiles, type FolderWatch } from '../lib/folder-watch'
import { describeIssues, FileFormatError, parseJsonFile } from '../lib/json-errors'

export const SETTINGS_FILE = 'settings.json'
export const SETTINGS_VERSION = 1

/** Endpoint ids are keychain accounts and routing targets: each may appear once. */
export function uniqueEndpointIds(endpoints: ReadonlyArray<{ id: string }>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>()
  endpoints.forEach((endpoint, index) => {
    const first = seen.get(endpoint.id)
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate endpoint id "${endpoint.id}" (also at endpoints[${first}])` })
    } else seen.set(endpoint.id, index)
  })
}

/**
 * settings.json, version 1: the non-secret endpoint configuration. Strict, so a typo or a
 * key pasted into the file (`"apiKey": …`) is reported by name instead of silently dropped.
 */
export const SettingsFile = z.strictObject({
  version: z.literal(SETTINGS_VERSION, { error: `must be ${SETTINGS_VERSION}` }),
  endpoints: z.array(EndpointConfig.strict()).max(100).superRefine(uniqueEndpointIds),
})
export type Settings = z.infer<typeof SettingsFile>

export const DEFAULT_SETTINGS: Settings = { version: SETTINGS_VERSION, endpoints: [] }

/** Older layouts are upgraded here, one version at a time (none yet). */
function migrate(raw: unknown): unknown {
  const version = (raw as { version?: unknown } | null)?.version
  if (typeof version === 'number' && version > SETTINGS_VERSION) {
    throw new FileFormatError(SETTINGS_FILE, `version: ${version} was written by a newer RouteLLM; this one reads version ${SETTINGS_VERSION}`)
  }
  return raw
}

export function parseSettings(text: string, file = SETTINGS_FILE): Settings {
  const raw = migrate(parseJsonFile(file, text))
  const result = SettingsFile.safeParse(raw)
  if (!result.success) throw new FileFormatError(file, describeIssues(result.error.issues))
  return result.data
}

export function serializeSettings(settings: Settings): string {
  return `${JSON.stringify(settings, null, 2)}\n`
}

interface Stamp {
  mtimeMs: number
  size: number
  ino: number
}

function stampOf(path: string): Stamp | null {
  try {
    const s = statSync(path)
    return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino }
  } catch {
    return null
  }
}

const sameStamp = (a: Stamp | null, b: Stamp | null) => a === b || (a !== null && b !== null && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino)

export interface SettingsStoreOptions {
  dataDir: string
  log?: (line: string) => void
  /**
   * Learn about edits by other processes from a watch on the data folder instead of a stat
   * on every read, so reads (several per routed prompt) never touch the disk. Where the folder
   * cannot be watched, every read checks the file as without this option. Default false.
   */
  watch?: boolean
}

/**
 * The settings file in the data folder. Writes are atomic (temp file, fsync, rename) and
 * keep the previous good settings as settings.json.bak. A file that does not parse is
 * never used: the error names the field, and the previous good settings stay in force
 * (the ones in memory, else the .bak copy). Edits by another process (the CLI, a text
 * editor) are picked up on the next read.
 */
export class SettingsStore {
  readonly path: string
  readonly backupPath: string
  private readonly log: (line: string) => void
  private good: Settings = DEFAULT_SETTINGS
  private problemText: string | null = null
  private seen: Stamp | null = null
  private readonly listeners = new Set<() => void>()
  private watcher: FolderWatch | null = null
  /** Set by the folder watch when the file may have changed since it was last checked. */
  private stale = false

  constructor(options: SettingsStoreOptions) {
    this.path = join(options.dataDir, SETTINGS_FILE)
    this.backupPath = `${this.path}.bak`
    this.log = options.log ?? (() => {})
    if (options.watch) this.watchFolder(options.dataDir)
    this.load(true)
  }

  /** The settings in force (re-read first if the file changed on disk). */
  get(): Settings {
    this.refreshIfChanged()
    return this.good
  }

  /** What is wrong with the file on disk, naming the field; null when it is fine. */
  problem(): string | null {
    this.refreshIfChanged()
    return this.problemText
  }

  /** Stops watching the data folder. */
  close(): void {
    this.watcher?.close()
    this.watcher = null
  }

  private watchFolder(dir: string): void {
    this.watcher = watchFolderFiles(
      dir,
      [SETTINGS_FILE],
      () => (this.stale = true),
      () => (this.watcher = null),
    )
  }

  private refreshIfChanged(): void {
    if (this.watcher === null || this.stale) this.refresh()
  }

  /** Called when the file changed under us (another process, an editor) and was re-read; not after update(). */
  onExternalChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Re-read the file if it changed since we last read or wrote it. True when the settings in force changed. */
  refresh(): boolean {
    this.stale = false
    if (sameStamp(stampOf(this.path), this.seen)) return false
    const before = serializeSettings(this.good) + String(this.problemText)
    this.load(false)
    const changed = serializeSettings(this.good) + String(this.problemText) !== before
    if (changed) this.emit()
    return changed
  }

  /** Change the settings: validated, written atomically, the previous good copy kept as .bak. */
  update(change: (current: Settings) => Settings): Settings {
    this.refresh()
    const result = SettingsFile.safeParse(change(structuredClone(this.good)))
    if (!result.success) throw new ContractError(`settings not saved: ${describeIssues(result.error.issues)}`, 'invalid-input')
    const next = result.data
    if (existsSync(this.path)) {
      if (this.problemText !== null) {
        // Keep what the user wrote: a broken file is moved aside, not overwritten.
        const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
        renameSync(this.path, aside)
        this.log(`settings: moved the unreadable ${SETTINGS_FILE} aside to ${aside}`)
      }
      writeFileAtomic(this.backupPath, serializeSettings(this.good))
    }
    writeFileAtomic(this.path, serializeSettings(next))
    this.seen = stampOf(this.path)
    this.good = next
    this.problemText = null
    return next
  }

  private load(initial: boolean): void {
    this.seen = stampOf(this.path)
    if (this.seen === null) {
      this.problemText = null
      if (initial) this.good = DEFAULT_SETTINGS
      return
    }
    try {
      this.good = parseSettings(readFileSync(this.path, 'utf8'))
      this.problemText = null
    } catch (error) {
      const what =
        error instanceof FileFormatError ? error.message : `${SETTINGS_FILE}: could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`
      let fallback: string
      if (!initial) {
        fallback = 'The settings in use before it changed stay in force'
      } else {
        const backup = this.readBackup()
        if (backup) {
          this.good = backup
          fallback = `Using the last good copy (${SETTINGS_FILE}.bak)`
        } else {
          this.good = DEFAULT_SETTINGS
          fallback = 'No good copy was found, so no endpoints are configured'
        }
      }
      this.problemText = `${what}. ${fallback} until the file is fixed or new settings are saved (saving moves the broken file aside).`
      this.log(`settings: ${this.problemText}`)
    }
  }

  private readBackup(): Settings | null {
    try {
      return parseSettings(readFileSync(this.backupPath, 'utf8'), `${SETTINGS_FILE}.bak`)
    } catch {
      return null
    }
  }

  private emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener()
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
