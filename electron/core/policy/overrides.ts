import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Policy, PolicyOverride, PolicyPatch } from '../../../shared/policy'
import type { PolicyActor, PolicyAuditEntry } from '../../../shared/policy-contract'
import { writeFileAtomic } from '../lib/atomic-file'
import type { PolicyAuditLog } from './audit'
import { applyOverride, parseOverrideText, type PolicyIssue } from './parse'
import { mergePatch } from './patch'

export interface PolicyOverridesOptions {
  /** The override file (<data folder>/threshold-override.json). */
  file: string
  audit: PolicyAuditLog
  /** The policy file's policy, which every patch is validated against after merging. */
  base: () => Policy
  /** Called after each write (the policy store reloads, so the change is in force when the call returns). */
  written?: () => Promise<unknown>
  now?: () => Date
}

export interface OverrideChange {
  actor: PolicyActor
  /** Why, for the audit trail and the person reading the file. */
  reason: string
}

export interface SavePatch extends OverrideChange {
  patch: PolicyPatch
  /** Replace the whole patch in force instead of merging into it. */
  replace?: boolean
  /** Kept in the file beside the patch (calibrate records its data and target). */
  meta?: Pick<PolicyOverride, 'targetRecall' | 'data' | 'n'>
}

export type OverrideWrite = { ok: true; entry: PolicyAuditEntry } | { ok: false; issues: PolicyIssue[] }

/**
 * The one writer of the policy override. Every write is validated (patch merged over the
 * policy file, then the whole policy checked), saved atomically, and recorded in the audit
 * trail with the file's exact previous text, so `revert(id)` restores it byte for byte.
 * Writes are serialised: two callers never interleave a read and a write.
 */
export class PolicyOverrides {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: PolicyOverridesOptions) {}

  get file(): string {
    return this.opts.file
  }

  get audit(): PolicyAuditLog {
    return this.opts.audit
  }

  /** Merges `patch` into the override in force (or replaces it), when the resulting policy is valid. */
  save(change: SavePatch): Promise<OverrideWrite> {
    return this.serialised(async () => {
      const before = await this.readCurrent()
      const patch = change.replace ? change.patch : mergePatch(before.override?.patch ?? {}, change.patch)
      const checked = applyOverride(this.opts.base(), { patch }, 'override')
      if (!checked.ok) return { ok: false, issues: checked.error.issues }
      const next: PolicyOverride = {
        version: 1,
        patch,
        note: change.reason,
        createdAt: (this.opts.now?.() ?? new Date()).toISOString(),
        ...change.meta,
      }
      return this.write(before, `${JSON.stringify(next, null, 2)}\n`, change)
    })
  }

  /** Removes the whole override (the policy file alone is in force); audited and revertible like any write. */
  clear(change: OverrideChange): Promise<OverrideWrite> {
    return this.serialised(async () => this.write(await this.readCurrent(), null, change))
  }

  /** Puts the override file back exactly as it was before entry `id` (itself a new, revertible entry). */
  revert(id: string, actor: PolicyActor = 'user'): Promise<OverrideWrite> {
    return this.serialised(async () => {
      const entry = await this.opts.audit.find(id)
      if (!entry) throw new Error(`no policy audit entry "${id}" (see routellm policy audit)`)
      return this.write(await this.readCurrent(), entry.fileBefore, { actor, reason: `revert ${id} (${entry.reason})` })
    })
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async readCurrent(): Promise<{ text: string | null; override: PolicyOverride | null }> {
    const text = await readFile(this.opts.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null
      throw error
    })
    if (text === null) return { text, override: null }
    const parsed = parseOverrideText(text, this.opts.file)
    // A damaged file is replaced by the write (and kept, verbatim, in the audit entry).
    return { text, override: parsed.ok ? parsed.value : null }
  }

  private async write(before: { text: string | null; override: PolicyOverride | null }, text: string | null, change: OverrideChange): Promise<OverrideWrite> {
    if (text === null) await rm(this.opts.file, { force: true })
    else {
      await mkdir(dirname(this.opts.file), { recursive: true })
      writeFileAtomic(this.opts.file, text)
    }
    const after = text === null ? null : parseOverrideText(text, this.opts.file)
    const entry = this.opts.audit.append({
      actor: change.actor,
      reason: change.reason,
      patchBefore: before.override?.patch ?? null,
      patchAfter: after?.ok ? after.value.patch : null,
      fileBefore: before.text,
    })
    await this.opts.written?.()
    return { ok: true, entry }
  }
}
