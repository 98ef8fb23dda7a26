import { readDataset } from '../../core/engine/dataset'
import { simulate, type SimulationReport } from '../../core/engine/simulate'
import type { CliCommand, CliContext } from './command'
import { ENGINE_FLAGS, ENGINE_USAGE, parseThreshold, requireString, setupEngine, writeJson } from './engine-setup'
import { parseFlags } from './flags'

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`)

function describe(r: SimulationReport): string {
  const lines = [
    `${r.n} prompts at threshold ${r.threshold}: ${r.tiers.local} local, ${r.tiers.cloud} cloud (local share ${pct(r.localShare)})`,
    `pinned: ${
      Object.entries(r.pinned)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
    `estimated cost: $${r.cost.routedUsd.toFixed(4)} routed vs $${r.cost.allCloudUsd.toFixed(4)} all-cloud (saves ${pct(r.cost.savedShare)}, ${r.cost.assumedOutputTokens} output tokens assumed per answer)`,
    `decision latency: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`,
    'pillar agreement with the final tier (and with labels):',
    ...Object.entries(r.agreement).map(
      ([pillar, a]) =>
        `  ${pillar.padEnd(9)} scored ${a.scored}, abstained ${a.abstained}: ${pct(a.agreesWithTier)}${a.agreesWithLabel === null ? '' : ` (labels ${pct(a.agreesWithLabel)})`}`,
    ),
    '',
    'line  tier   complexity  pinned     model',
    ...r.decisions.map(
      (d) => `${String(d.line).padEnd(5)} ${d.tier.padEnd(6)} ${String(d.complexity).padStart(10)}  ${(d.pinned ?? '-').padEnd(10)} ${d.model ?? '-'}`,
    ),
  ]
  return `${lines.join('\n')}\n`
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'route a batch (JSONL with "prompt", or one prompt per line) without generating',
  usage: `simulate --data <file> [--threshold <0-100>] [--json] ${ENGINE_USAGE}`,
  async run(ctx: CliContext) {
    const { flags } = parseFlags(ctx.args, { ...ENGINE_FLAGS, data: 'string', threshold: 'string' })
    const threshold = parseThreshold(flags.threshold)
    const items = await readDataset(requireString(flags, 'data'))
    const engine = await setupEngine(ctx, flags, { savedOverride: true, ...(threshold !== undefined ? { threshold } : {}) })
    try {
      const report = await simulate(engine.router, items)
      if (flags.json) writeJson(ctx, report)
      else ctx.stdout.write(describe(report))
      return 0
    } finally {
      await engine.close()
    }
  },
}
