import type { OptimizeApplyResult, OptimizeReport } from '../../../shared/optimize'
import type { TelemetryRules } from '../../../shared/telemetry-rules'
import type { TelemetryRow } from '../../../shared/telemetry'
import type { ClusterOffsetSource } from '../engine/cluster-offsets'
import { propose, type Conditions, type OptimizeInput } from './optimize'
import { errorMessage } from '../../../shared/errors'

/** The audited policy override, as Optimize Load writes it (always as actor 'optimize'). */
export interface OverrideWriter {
  save(change: {
    actor: 'optimize'
    reason: string
    patch: Record<string, unknown>
  }): Promise<{ ok: true; entry: { id: string } } | { ok: false; issues: { path: string; message: string }[] }>
  revert(id: string, actor: 'optimize'): Promise<{ ok: true; entry: { id: string } } | { ok: false; issues: { path: string; message: string }[] }>
  audit: { list(limit?: number): Promise<{ id: string; actor: string; reason: string }[]> }
}

export interface OptimizeServiceDeps {
  /** Recent decisions since `since` (epoch ms), newest first, at most `limit` (the telemetry store's evidence()). */
  telemetry: { evidence(since: number, limit: number): TelemetryRow[] }
  policy: () => OptimizeInput['policy']
  rules: () => Promise<TelemetryRules>
  conditions: () => Conditions
  /** Offsets the router adds beside the policy's (the local-model probe's): the replay counts them. */
  offsetSources?: readonly ClusterOffsetSource[]
  overrides: OverrideWriter
  log?: (line: string) => void
  now?: () => number
}

/** Every write by Optimize Load says so first: Revert finds the latest one by it. */
const REASON_PREFIX = 'Optimize Load: '

export class OptimizeError extends Error {
  override name = 'OptimizeError'
}

/**
 * Optimize Load as the hosts run it: propose from the telemetry rules' evidence window, apply
 * all proposals as one audited override write (actor 'optimize'), revert one of its writes
 * (the previous policy comes back byte for byte), and — when the rules turn it on — run and
 * apply on a schedule whose timer never keeps the process alive.
 */
export class OptimizeService {
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly now: () => number

  constructor(private readonly deps: OptimizeServiceDeps) {
    this.now = deps.now ?? Date.now
  }

  async propose(): Promise<OptimizeReport> {
    const rules = await this.deps.rules()
    const now = this.now()
    const rows = this.deps.telemetry.evidence(now - rules.windows.evidenceDays * 86_400_000, rules.windows.evidenceRows)
    return propose({
      rows,
      policy: this.deps.policy(),
      rules,
      conditions: this.deps.conditions(),
      now,
      ...(this.deps.offsetSources ? { offsetSources: this.deps.offsetSources } : {}),
    })
  }

  async apply(): Promise<OptimizeApplyResult> {
    const report = await this.propose()
    if (!report.patch) return { applied: false, auditId: null, report }
    const reason =
      REASON_PREFIX +
      report.proposals.map((p) => `${p.kind === 'threshold' ? 'threshold' : `cluster "${p.cluster}"`} ${p.from} → ${p.to} (${p.reason})`).join('; ')
    const written = await this.deps.overrides.save({ actor: 'optimize', reason: reason.slice(0, 500), patch: report.patch })
    if (!written.ok) throw new OptimizeError(`the policy refused the change: ${written.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    this.deps.log?.(`optimize: applied ${report.proposals.length} change(s) (audit ${written.entry.id})`)
    return { applied: true, auditId: written.entry.id, report }
  }

  /** Reverts `id`, or the latest change Optimize Load applied. */
  async revert(id?: string): Promise<{ reverted: string }> {
    const target = id ?? (await this.deps.overrides.audit.list(1000)).find((e) => e.actor === 'optimize' && e.reason.startsWith(REASON_PREFIX))?.id
    if (!target) throw new OptimizeError('Optimize Load has applied nothing to revert')
    const written = await this.deps.overrides.revert(target, 'optimize')
    if (!written.ok) throw new OptimizeError(`the revert was refused: ${written.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    return { reverted: target }
  }

  /** Runs and applies on the rules' schedule while it is enabled (read again before every run). */
  async startSchedule(): Promise<void> {
    this.stopped = false
    const rules = await this.deps.rules()
    if (this.stopped) return
    const { enabled, everyHours } = rules.optimize.schedule
    clearTimeout(this.timer)
    // Off: look again in an hour, so turning it on in the rules file needs no restart.
    this.timer = setTimeout(() => void this.tick(enabled), (enabled ? everyHours : 1) * 3_600_000)
    this.timer.unref()
  }

  stopSchedule(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private async tick(enabled: boolean): Promise<void> {
    if (this.stopped) return
    if (enabled && (await this.deps.rules()).optimize.schedule.enabled) {
      try {
        const result = await this.apply()
        if (!result.applied) this.deps.log?.('optimize: scheduled run found nothing to change')
      } catch (error) {
        this.deps.log?.(`optimize: scheduled run failed (${errorMessage(error)})`)
      }
    }
    if (!this.stopped) await this.startSchedule()
  }
}
