import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { DEFAULT_POLICY, type Policy, type PolicyOverride } from '../../../shared/policy'
import { writeFileAtomic } from '../lib/atomic-file'
import { watchFolderFiles, type FolderWatch } from '../lib/folder-watch'
import { applyOverride, parseOverrideText, parsePolicyText, PolicyError, type Parsed } from './parse'
import { errorMessage } from '../../../shared/errors'

export interface PolicyStoreOptions {
  /** The policy JSON file; null runs on the defaults. A missing file means the defaults too. */
  file: string | null
  /** The policy override (a patch; what the dashboard and `routellm calibrate` write), layered over the policy. */
  overrideFile?: string | null
  /** Reload when either file changes on disk (default true). */
  watch?: boolean
  debounceMs?: number
  /**
   * Keep an identical <file>.bak beside each file after a good load (default true). A reader
   * that must not change the data folder (the doctor) turns it off.
   */
  keepBackup?: boolean
  /**
   * A file that cannot be used. `kept` says what is in force instead: the policy in force
   * before the change, at start the last good copy (<file>.bak), or with none the defaults;
   * `fallback` says the same for code.
   */
  onError?: (error: PolicyError, kept: string, fallback: PolicyFallback) => void
  /** The effective policy changed (after a reload). */
  onChange?: (policy: Policy) => void
}

export interface PolicyStore {
  /** The effective policy: the file's (or the defaults), with the override's patch merged over it. */
  get(): Policy
  /** The policy file's contents, without the override. */
  base(): Policy
  override(): PolicyOverride | null
  /** The last problem with either file, cleared by the next good load. */
  lastError(): PolicyError | null
  /** Re-reads both files now; false when one of them was rejected. */
  reload(): Promise<boolean>
  close(): void
}

/** What replaced a rejected file: the policy already in force, its last good copy, or no copy at all (defaults / no override). */
export type PolicyFallback = 'in-force' | 'backup' | 'none'

type Read = { kind: 'missing' } | { kind: 'text'; text: string } | { kind: 'error'; error: PolicyError }

async function readText(file: string): Promise<Read> {
  try {
    return { kind: 'text', text: await readFile(file, 'utf8') }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { kind: 'missing' }
    return { kind: 'error', error: new PolicyError(file, [{ path: '', message: `cannot read (${code ?? errorMessage(error)})` }]) }
  }
}

/**
 * Loads, validates and hot-reloads the routing policy. A file that fails validation never
 * replaces the policy in force: the error (naming the bad field) goes to `onError` and the
 * last good policy keeps routing. Never throws on bad files, at start or later.
 */
export async function createPolicyStore(opts: PolicyStoreOptions): Promise<PolicyStore> {
  let base: Policy = DEFAULT_POLICY
  let override: PolicyOverride | null = null
  let effective: Policy = DEFAULT_POLICY
  let lastError: PolicyError | null = null
  const watchers: FolderWatch[] = []
  let timer: NodeJS.Timeout | undefined
  let closed = false
  let started = false

  const report = (error: PolicyError, kept: string, fallback: PolicyFallback) => {
    lastError = error
    opts.onError?.(error, kept, fallback)
  }

  /**
   * Every good load leaves an identical <file>.bak beside the file (written only when it
   * differs), so a file damaged while RouteLLM was not running still has its last good copy.
   */
  async function keepBackup(file: string, text: string): Promise<void> {
    if (opts.keepBackup === false) return
    const backup = `${file}.bak`
    if ((await readFile(backup, 'utf8').catch(() => null)) === text) return
    try {
      writeFileAtomic(backup, text)
    } catch {
      // The policy works without its copy; the next good load tries again.
    }
  }

  /** Read, validate and apply one file; a bad one keeps what is in force, at start its .bak, else `fallback`. */
  async function loadFile<T>(
    file: string,
    parse: (text: string, file: string) => Parsed<T>,
    apply: (value: T) => void,
    fallback: string,
    onMissing: () => void,
  ): Promise<boolean> {
    const read = await readText(file)
    if (read.kind === 'missing') {
      onMissing()
      return true
    }
    const parsed = read.kind === 'error' ? ({ ok: false, error: read.error } as const) : parse(read.text, file)
    if (parsed.ok) {
      apply(parsed.value)
      if (read.kind === 'text') await keepBackup(file, read.text)
      return true
    }
    if (started) {
      report(parsed.error, 'the policy in force before the change', 'in-force')
      return false
    }
    const backup = await readText(`${file}.bak`)
    const good = backup.kind === 'text' ? parse(backup.text, `${file}.bak`) : null
    if (good?.ok) {
      apply(good.value)
      report(parsed.error, `the last good copy (${basename(file)}.bak)`, 'backup')
    } else report(parsed.error, fallback, 'none')
    return false
  }

  async function loadPolicy(): Promise<boolean> {
    if (!opts.file) return true
    // A deleted file is not a reason to forget a good policy; at first start it means the defaults.
    return loadFile(
      opts.file,
      parsePolicyText,
      (value) => (base = value),
      'the built-in defaults (no good copy was found)',
      () => undefined,
    )
  }

  async function loadOverride(): Promise<boolean> {
    if (!opts.overrideFile) return true
    return loadFile(
      opts.overrideFile,
      parseOverrideText,
      (value) => (override = value),
      'no override (no good copy was found)',
      () => (override = null),
    )
  }

  async function reload(): Promise<boolean> {
    const okPolicy = await loadPolicy()
    let okOverride = await loadOverride()
    // A patch that no longer fits the policy file (edited since) keeps the policy in force.
    const merged = applyOverride(base, override, opts.overrideFile ?? 'override')
    if (!merged.ok) {
      okOverride = false
      if (started) report(merged.error, 'the policy in force before the change', 'in-force')
      else report(merged.error, 'the policy file without the override', 'none')
    }
    const next = merged.ok ? merged.value : started ? effective : base
    const changed = JSON.stringify(next) !== JSON.stringify(effective)
    if (changed) effective = next
    if (okPolicy && okOverride) lastError = null
    if (changed && started && !closed) opts.onChange?.(effective)
    return okPolicy && okOverride
  }

  await reload()
  started = true

  function scheduleReload() {
    if (closed) return
    clearTimeout(timer)
    timer = setTimeout(() => void reload(), opts.debounceMs ?? 150)
  }

  if (opts.watch ?? true) {
    const byDir = new Map<string, string[]>()
    for (const f of [opts.file, opts.overrideFile]) {
      if (f) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), basename(f)])
    }
    // No folder yet (or no watch support): the policy still works, reload() picks up changes.
    for (const [dir, names] of byDir) {
      const w = watchFolderFiles(dir, names, scheduleReload)
      if (w) watchers.push(w)
    }
  }

  return {
    get: () => effective,
    base: () => base,
    override: () => override,
    lastError: () => lastError,
    reload,
    close() {
      closed = true
      clearTimeout(timer)
      for (const w of watchers) w.close()
    },
  }
}

export interface PolicyFilesRead {
  /** The policy to route with, as a host starting now would: the file's (or its fallback) with the override merged over it. */
  policy: Policy
  base: Policy
  override: PolicyOverride | null
  /** Every rejected file, with what is used instead. */
  problems: { error: PolicyError; kept: string; fallback: PolicyFallback }[]
}

/**
 * The policy files read once, exactly as a host reads them at start (a damaged file gives way
 * to its last good copy, else the defaults or no override), for the one-shot readers: the
 * CLI's engine commands and the doctor. Writes nothing, watches nothing.
 */
export async function readPolicyFiles(files: Pick<PolicyStoreOptions, 'file' | 'overrideFile'>): Promise<PolicyFilesRead> {
  const problems: PolicyFilesRead['problems'] = []
  const store = await createPolicyStore({
    ...files,
    watch: false,
    keepBackup: false,
    onError: (error, kept, fallback) => problems.push({ error, kept, fallback }),
  })
  store.close()
  return { policy: store.get(), base: store.base(), override: store.override(), problems }
}
