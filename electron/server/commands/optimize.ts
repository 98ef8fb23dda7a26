import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { OptimizeReport, ReplayFigures } from '../../../shared/optimize'
import { CostStore } from '../../core/cost/cost-store'
import { resolveDataDir } from '../../core/lib/data-dir'
import { budgetShareOf } from '../../core/learning/conditions'
import { OptimizeService } from '../../core/learning/optimize-service'
import { loadTelemetryRules, telemetryRulesFileOf } from '../../core/learning/rules-file'
import { retentionFromEnv, TELEMETRY_FILE, TelemetryStore } from '../../core/telemetry/index'
import { UsageError, type CliCommand } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'
import { openPolicy } from './policy'

const share = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`)
const usd = (x: number) => `$${x < 0.01 && x > 0 ? x.toFixed(4) : x.toFixed(2)}`
const ms = (x: number | null) => (x === null ? '—' : `${Math.round(x)} ms`)

function replayLine(today: ReplayFigures, proposed: ReplayFigures): string {
  return (
    `local share ${share(today.localShare)} → ${share(proposed.localShare)} · failed local ${today.failedLocal} → ${proposed.failedLocal} · ` +
    `cost ${usd(today.costUsd)} → ${usd(proposed.costUsd)} · mean latency ${ms(today.meanLatencyMs)} → ${ms(proposed.meanLatencyMs)}`
  )
}

/** The report as a person reads it in a terminal. */
export function formatOptimize(report: OptimizeReport): string {
  const lines = [`Optimize Load · ${report.evidence.decisions} decisions since ${report.evidence.since}`, '']
  if (report.proposals.length === 0) lines.push('Nothing to change.')
  for (const p of report.proposals) {
    lines.push(
      `${p.kind === 'threshold' ? 'threshold' : `cluster "${p.cluster}" offset`}: ${p.from} → ${p.to}`,
      `  why: ${p.reason}`,
      `  replay: ${replayLine(p.replay.today, p.replay.proposed)}`,
    )
  }
  if (report.proposals.length > 1) lines.push('', `all together: ${replayLine(report.replay.today, report.replay.proposed)}`)
  if (report.notes.length > 0) lines.push('', ...report.notes.map((n) => `note: ${n}`))
  return `${lines.join('\n')}\n`
}

/** `routellm optimize`: Optimize Load on this data folder's telemetry; --apply writes the proposals through the audited override. */
export const optimizeCommand: CliCommand = {
  name: 'optimize',
  summary: 'Optimize Load: policy changes learned from telemetry, with reasons and replay; --apply writes them (audited, revertible)',
  usage: 'optimize [--apply] [--json]',
  async run(ctx) {
    const { flags, positionals } = parseFlags(ctx.args, { apply: 'boolean', json: 'boolean' })
    if (positionals.length > 0) throw new UsageError('optimize takes no arguments')
    const dataDir = resolveDataDir(ctx.env)
    const warn = (line: string) => ctx.stderr.write(`${line}\n`)
    // Reading must not create a database where RouteLLM never ran.
    const hasTelemetry = existsSync(join(dataDir, TELEMETRY_FILE))
    const rulesFile = telemetryRulesFileOf(dataDir)
    const rules = await loadTelemetryRules(rulesFile, warn)
    const telemetry = new TelemetryStore({
      dataDir: hasTelemetry ? dataDir : null,
      retention: { ...rules.retention, ...retentionFromEnv(ctx.env, warn) },
      log: warn,
    })
    const costs = new CostStore({ dataDir, env: ctx.env })
    const { store, overrides } = await openPolicy(ctx)
    try {
      const service = new OptimizeService({
        telemetry,
        policy: () => store.get(),
        rules: () => loadTelemetryRules(rulesFile, warn),
        // A one-shot sees no live health: only the serving host knows whether the cloud is degraded.
        conditions: () => ({ cloudDegraded: null, budgetShare: budgetShareOf(costs.summary()) }),
        overrides,
      })
      if (!flags.apply) {
        const report = await service.propose()
        if (flags.json) writeJson(ctx, report)
        else ctx.stdout.write(formatOptimize(report))
        return 0
      }
      const result = await service.apply()
      await overrides.audit.flushed()
      if (flags.json) writeJson(ctx, result)
      else {
        ctx.stdout.write(formatOptimize(result.report))
        ctx.stdout.write(
          result.applied ? `\napplied (audit entry ${result.auditId}); undo with: routellm policy revert ${result.auditId}\n` : '\nnothing applied\n',
        )
      }
      return 0
    } finally {
      store.close()
      telemetry.close()
      costs.close()
    }
  },
}
