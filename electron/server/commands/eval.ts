import { crossValidatedFor, type CrossValidatedFigures } from '../../core/engine/combiner/cross-validated'
import { hasOutcomes, readDataset } from '../../core/engine/dataset'
import { evaluateRouter, type EvalReport } from '../../core/engine/evaluate'
import { evaluateOutcomes, type OutcomeReport, type RouterComparison } from '../../core/engine/evaluate-outcomes'
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
    ...Object.entries(r.pillars).map(
      ([p, x]) =>
        `  ${p.padEnd(9)} AUROC ${f(x.auroc)} (scored ${x.scored}, abstained ${x.abstained}), recall ${f(x.atDefault.cloudRecall)}, local share ${f(x.atDefault.localShare)}`,
    ),
    'by source:',
    ...Object.entries(r.bySource).map(
      ([s, x]) =>
        `  ${s}: n ${x.n}, mean complexity ${x.meanComplexity}, accuracy ${f(x.accuracy)}${x.cloudRecall === null ? '' : `, recall ${f(x.cloudRecall)}`}, local share ${f(x.localShare)}`,
    ),
  ]
  return `${lines.join('\n')}\n`
}

const p2 = (x: number) => x.toFixed(2)

/** RouteLLM's metrics for the router and both baselines, then the router's quality/cost curve. */
function describeComparison(title: string, c: RouterComparison): string[] {
  const row = (name: string, m: RouterComparison['router']) =>
    `  ${name.padEnd(8)} APGR ${f(m.apgr)}  AUC ${p2(m.auc)}  CPT(20%) ${p2(m.cpt20)}%  CPT(50%) ${p2(m.cpt50)}%  CPT(80%) ${p2(m.cpt80)}%`
  return [
    `${title}: ${c.n} prompts, strong model ${p2(c.router.strongAccuracy)}%, weak model ${p2(c.router.weakAccuracy)}%`,
    row('index', c.router),
    row('random', c.random),
    row('length', c.length),
    '  quality/cost curve of the index (strong calls % -> quality %):',
    ...c.router.curve.map((p) => `    ${p2(p.strongPercent).padStart(6)}% -> ${p2(p.accuracy)}%  (index >= ${p2(p.threshold)})`),
  ]
}

function describeOutcomes(r: OutcomeReport & { policy: string }): string {
  const lines = [
    `policy ${r.policy}; APGR: share of the strong model's quality gain recovered, averaged over strong-call shares (0.5 ≈ random, 1 = oracle)`,
    ...describeComparison('all', r),
    ...Object.entries(r.bySource).flatMap(([source, c]) => describeComparison(source, c)),
  ]
  return `${lines.join('\n')}\n`
}

/** The honest figures for a file the combiner was trained on: every prompt scored by models that never saw its fold. */
export function describeCrossValidated(cv: CrossValidatedFigures | null): string {
  if (!cv) return ''
  const parts = Object.entries(cv.apgr).map(([part, apgr]) => {
    const spread = cv.apgrOverSeeds?.[part]
    const seeds = spread ? `; ${f(spread.mean)} ± ${f(spread.sd)} over ${spread.seeds} seeds of folds` : ''
    return `${part} APGR ${f(apgr)} (length ${f(cv.lengthApgr[part] ?? null)}${seeds})`
  })
  const r = cv.routing
  return [
    `cross-validated (the combiner was trained on ${cv.trainedOn}, so the figures above are in-sample; ${cv.method}):`,
    `  index ${parts.join(', ')}`,
    `  routing prompts: AUROC ${f(r.auroc)}, at the threshold cloud recall ${f(r.cloudRecall)}, local share ${f(r.localShare)}, accuracy ${f(r.accuracy)}`,
    '',
  ].join('\n')
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'measure routing on labelled prompts (AUROC, recall, local share) or on outcome data (RouteLLM APGR, CPT, AUC)',
  usage: `eval --data <file.jsonl> [--target-recall 0.95] [--json] ${ENGINE_USAGE}`,
  async run(ctx: CliContext) {
    const { flags } = parseFlags(ctx.args, { ...ENGINE_FLAGS, data: 'string', 'target-recall': 'string' })
    const targetRecall = parseTargetRecall(flags['target-recall'])
    const data = requireString(flags, 'data')
    const items = await readDataset(data, { requireTruth: true })
    const crossValidated = await crossValidatedFor(data)
    // The policy's own threshold, never a calibrated override that may have been fit on this very file.
    const engine = await setupEngine(ctx, flags, { savedOverride: false })
    try {
      // Outcome data (strong/weak per prompt) is measured the RouteLLM way; labelled data as before.
      const outcomes = items.filter(hasOutcomes)
      if (outcomes.length > 0) {
        const report = { ...(await evaluateOutcomes({ router: engine.router, items: outcomes })), policy: engine.policySource, crossValidated }
        if (flags.json) writeJson(ctx, report)
        else ctx.stdout.write(describeOutcomes(report) + describeCrossValidated(crossValidated))
        return 0
      }
      const pillarsAlone = [engine.standard.rules, ...(engine.standard.semantic ? [engine.standard.semantic] : [])]
      const report = await evaluateRouter({ router: engine.router, items, targetRecall, pillars: pillarsAlone })
      const out = { ...report, policy: engine.policySource, crossValidated }
      if (flags.json) writeJson(ctx, out)
      else ctx.stdout.write(describe(out) + describeCrossValidated(crossValidated))
      return 0
    } finally {
      await engine.close()
    }
  },
}
