import { readDataset } from '../../core/engine/dataset'
import { evaluateRouter, type EvalReport } from '../../core/engine/evaluate'
import type { CliCommand, CliContext } from './command'
import { ENGINE_FLAGS, ENGINE_USAGE, parseTargetRecall, requireString, setupEngine, writeJson } from './engine-setup'
import { parseFlags } from './flags'

const f = (x: number | null, digits = 3) => (x === null ? '-' : x.toFixed(digits))

function describe(r: EvalReport & { policy: string }): string {
  const lines = [
    `${r.n} labelled prompts, policy ${r.policy}`,
    `AUROC ${f(r.auroc)}`,
    `at the policy threshold ${r.atDefault.threshold}: cloud recall ${f(r.atDefault.cloudRecall)}, local share ${f(r.atDefault.localShare)}, accuracy ${f(r.atDefault.accuracy)}`,
    `for cloud recall ≥ ${r.atTargetRecall.targetRecall}: threshold ${f(r.atTargetRecall.threshold, 2)}, recall ${f(r.atTargetRecall.cloudRecall)}, local share ${f(r.atTargetRecall.localShare)}`,
    `decision latency: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`,
    'pillars alone:',
    ...Object.entries(r.pillars).map(([p, x]) => `  ${p.padEnd(9)} AUROC ${f(x.auroc)} (scored ${x.scored}, abstained ${x.abstained}), recall ${f(x.atDefault.cloudRecall)}, local share ${f(x.atDefault.localShare)}`),
    'by source:',
    ...Object.entries(r.bySource).map(
      ([s, x]) => `  ${s}: n ${x.n}, mean complexity ${x.meanComplexity}, accuracy ${f(x.accuracy)}${x.cloudRecall === null ? '' : `, recall ${f(x.cloudRecall)}`}, local share ${f(x.localShare)}`,
    ),
  ]
  return `${lines.join('\n')}\n`
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'measure routing on labelled prompts (AUROC, recall, local share, per source and pillar)',
  usage: `eval --data <file.jsonl> [--target-recall 0.95] [--json] ${ENGINE_USAGE}`,
  async run(ctx: CliContext) {
    const { flags } = parseFlags(ctx.args, { ...ENGINE_FLAGS, data: 'string', 'target-recall': 'string' })
    const targetRecall = parseTargetRecall(flags['target-recall'])
    const items = await readDataset(requireString(flags, 'data'), { requireLabels: true })
    // The policy's own threshold, never a calibrated override that may have been fit on this very file.
    const engine = await setupEngine(ctx, flags, { savedOverride: false })
    try {
      const pillarsAlone = [engine.standard.rules, ...(engine.standard.semantic ? [engine.standard.semantic] : [])]
      const report = await evaluateRouter({ router: engine.router, items, targetRecall, pillars: pillarsAlone })
      const out = { ...report, policy: engine.policySource }
      if (flags.json) writeJson(ctx, out)
      else ctx.stdout.write(describe(out))
      return 0
    } finally {
      await engine.close()
    }
  },
}
