import { join } from 'node:path'
import { resolveDataDir } from '../../core/data-dir'
import { calibrateThreshold, fitSemanticThresholds } from '../../core/engine/calibrate'
import { readDataset } from '../../core/engine/dataset'
import { createRouter } from '../../core/engine/router'
import { applyOverride, THRESHOLD_OVERRIDE_FILE, writeThresholdOverride } from '../../core/policy/index'
import type { CliCommand, CliContext } from './command'
import { ENGINE_FLAGS, ENGINE_USAGE, parseTargetRecall, requireString, setupEngine, writeJson } from './engine-setup'
import { parseFlags } from './flags'

export const calibrateCommand: CliCommand = {
  name: 'calibrate',
  summary: 'fit the semantic thresholds and the routing threshold on labelled prompts; write them as an override',
  usage: `calibrate --data <file.jsonl> [--target-recall 0.95] [--out <file>] [--json] ${ENGINE_USAGE}`,
  async run(ctx: CliContext) {
    const { flags } = parseFlags(ctx.args, { ...ENGINE_FLAGS, data: 'string', 'target-recall': 'string', out: 'string' })
    const targetRecall = parseTargetRecall(flags['target-recall'])
    const data = requireString(flags, 'data')
    const items = await readDataset(data, { requireLabels: true })
    const out = typeof flags.out === 'string' ? flags.out : join(resolveDataDir(ctx.env), THRESHOLD_OVERRIDE_FILE)
    const engine = await setupEngine(ctx, flags, { savedOverride: false })
    try {
      // First the semantic pillar's own boundary, then the router threshold on top of it.
      let basePolicy = engine.policy
      let semanticThresholds: Record<string, unknown> | undefined
      if (engine.standard.semantic) {
        const fit = await fitSemanticThresholds(engine.standard.semantic, items, basePolicy)
        if ('error' in fit) ctx.stderr.write(`semantic thresholds not fitted: ${fit.error}\n`)
        else {
          semanticThresholds = { [fit.model]: fit.thresholds }
          basePolicy = applyOverride(basePolicy, { version: 1, threshold: basePolicy.threshold, semanticThresholds })
        }
      }
      const result = await calibrateThreshold({
        routerFor: (policy) => createRouter({ policy, pillars: engine.standard.pillars, dataDir: null }),
        basePolicy,
        items,
        targetRecall,
      })
      const reached = (result.cloudRecall ?? 0) >= targetRecall
      await writeThresholdOverride(out, {
        version: 1,
        threshold: result.threshold,
        note: `fitted by routellm calibrate for cloud recall >= ${targetRecall}${reached ? '' : ' (not reached)'}`,
        createdAt: new Date().toISOString(),
        targetRecall,
        data,
        n: result.n,
        ...(semanticThresholds ? { semanticThresholds } : {}),
      })
      if (flags.json) writeJson(ctx, { ...result, reached, file: out, ...(semanticThresholds ? { semanticThresholds } : {}) })
      else {
        ctx.stdout.write(
          `threshold ${result.threshold} (was ${engine.policy.threshold}): cloud recall ${result.cloudRecall}, local share ${result.localShare} on ${result.n} prompts\n` +
            `${reached ? '' : `warning: target recall ${targetRecall} not reached\n`}wrote ${out}\n`,
        )
      }
      return 0
    } finally {
      await engine.close()
    }
  },
}
