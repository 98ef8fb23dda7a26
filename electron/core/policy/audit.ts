import { randomUUID } from 'node:crypto'
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { errorMessage } from '../../../shared/errors'
import { PolicyAuditEntry } from '../../../shared/policy-contract'

export const POLICY_AUDIT_FILE = 'policy-audit.jsonl'

/** What a write records; the id and time are added by the log. */
export type AuditDraft = Omit<PolicyAuditEntry, 'id' | 'at'>

/**
 * The policy override's history, one JSON line per write in <data folder>/policy-audit.jsonl.
 * Lines are appended in order on a background chain (a writer never waits for the disk);
 * reading waits for the chain, so an entry is listed as soon as its write returned. A damaged
 * line (a crash mid-append) is skipped, never fatal.
 */
export class PolicyAuditLog {
  private chain: Promise<void> = Promise.resolve()

  constructor(
    readonly file: string,
    private readonly opts: { now?: () => Date; log?: (line: string) => void } = {},
  ) {}

  /** Records an entry and returns it at once; the line reaches the disk in the background. */
  append(draft: AuditDraft): PolicyAuditEntry {
    const entry: PolicyAuditEntry = { id: randomUUID(), at: (this.opts.now?.() ?? new Date()).toISOString(), ...draft }
    const line = `${JSON.stringify(entry)}\n`
    this.chain = this.chain
      .then(async () => {
        await mkdir(dirname(this.file), { recursive: true })
        await appendFile(this.file, line, { encoding: 'utf8', mode: 0o600 })
      })
      .catch((error: unknown) => this.opts.log?.(`policy audit: could not append to ${this.file} (${errorMessage(error)})`))
    return entry
  }

  /** Resolves when every entry appended so far is on disk (or failed). */
  flushed(): Promise<void> {
    return this.chain
  }

  /** Entries, newest first. */
  async list(limit = Infinity): Promise<PolicyAuditEntry[]> {
    await this.flushed()
    const text = await readFile(this.file, 'utf8').catch(() => '')
    const entries: PolicyAuditEntry[] = []
    for (const line of text.split('\n')) {
      if (!line.trim()) continue
      try {
        const parsed = PolicyAuditEntry.safeParse(JSON.parse(line))
        if (parsed.success) entries.push(parsed.data)
      } catch {
        // A line cut short by a crash: the others still count.
      }
    }
    return entries.reverse().slice(0, limit)
  }

  async find(id: string): Promise<PolicyAuditEntry | null> {
    return (await this.list()).find((e) => e.id === id) ?? null
  }
}
