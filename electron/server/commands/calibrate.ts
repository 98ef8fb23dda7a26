import { dirname, join } from 'node:path'
import { resolveDataDir } from '../../core/lib/data-dir'
import { calibrateCloudShare, calibrateThreshold, fitSemanticThresholds } from '../../core/engine/calibrate'
import { readDataset } from '../../core/engine/dataset'
import { createRouter } from '../../core/engine/router'
import type { Policy, PolicyOverride, PolicyPatch } from '../../../shared/policy'
import { applyOverride, POLICY_AUDIT_FILE, PolicyAuditLog, PolicyOverrides, THRESHOLD_OVERRIDE_FILE } from '../../core/policy/index'
import { UsageError, type CliCommand, type CliContext } from './command'
import { ENGINE_FLAGS, ENGINE_USAGE, parseTargetRecall, requireString, setupEngine, writeJson } from './engine-setup'
import { parseFlags } from './flags'

export const calibrateCommand: CliCommand = {
  name: 'calibrate',
  summary: 'fit the routing threshold on labelled prompts (cloud recall) or to a cloud share of any prompts; write it as an override',
  usage: `calibrate --data <file.jsonl> [--target-recall 0.95 | --cloud-share 0.3] [--out <file>] [--json] ${ENGINE_USAGE}`,
  async run(ctx: CliContext) {
    const { flags } = parseFlags(ctx.args, { ...ENGINE_FLAGS, data: 'string', 'target-recall': 'string', out: 'string', 'cloud-share': 'string' })
    if (flags['cloud-share'] !== undefined) return calibrateToCloudShare(ctx, flags)
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
          const fitted = applyOverride(basePolicy, { patch: { semantic: { thresholds: semanticThresholds } } })
          if (!fitted.ok) throw fitted.error
          basePolicy = fitted.value
        }
      }
      const result = await calibrateThreshold({
        routerFor: (policy) => createRouter({ policy, pillars: engine.standard.pillars, combiner: engine.standard.combiner, dataDir: null }),
        basePolicy,
        items,
        targetRecall,
      })
      const reached = (result.cloudRecall ?? 0) >= targetRecall
      await writeCalibrated(out, engine.policy, {
        patch: { threshold: result.threshold, ...(semanticThresholds ? { semantic: { thresholds: semanticThresholds } } : {}) },
        reason: `fitted by routellm calibrate for cloud recall >= ${targetRecall}${reached ? '' : ' (not reached)'}`,
        meta: { targetRecall, data, n: result.n },
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

/** The fit, merged into the override as an audited patch (the audit trail sits beside the override file). */
async function writeCalibrated(
  out: string,
  base: Policy,
  fit: { patch: PolicyPatch; reason: string; meta: Pick<PolicyOverride, 'targetRecall' | 'data' | 'n'> },
): Promise<void> {
  const overrides = new PolicyOverrides({ file: out, audit: new PolicyAuditLog(join(dirname(out), POLICY_AUDIT_FILE)), base: () => base })
  const write = await overrides.save({ ...fit, actor: 'calibrate' })
  if (!write.ok) throw new Error(`the fitted override was rejected: ${write.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
  await overrides.audit.flushed()
}

function parseCloudShare(value: string | boolean | undefined): number {
  const n = Number(value)
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`--cloud-share must be a number in [0, 1], not "${String(value)}"`)
  return n
}

/** The threshold that sends the asked share of the given prompts (labelled or not) to the cloud. */
async function calibrateToCloudShare(ctx: CliContext, flags: Record<string, string | boolean | undefined>): Promise<number> {
  if (flags['target-recall'] !== undefined) throw new UsageError('use either --cloud-share or --target-recall, not both')
  const targetShare = parseCloudShare(flags['cloud-share'])
  const data = requireString(flags, 'data')
  const items = await readDataset(data)
  const out = typeof flags.out === 'string' ? flags.out : join(resolveDataDir(ctx.env), THRESHOLD_OVERRIDE_FILE)
  const engine = await setupEngine(ctx, flags, { savedOverride: false })
  try {
    const result = await calibrateCloudShare({
      routerFor: (policy) => createRouter({ policy, pillars: engine.standard.pillars, combiner: engine.standard.combiner, dataDir: null }),
      basePolicy: engine.policy,
      prompts: items.map((i) => i.prompt),
      targetShare,
    })
    await writeCalibrated(out, engine.policy, {
      patch: { threshold: result.threshold },
      reason: `fitted by routellm calibrate to send ${Math.round(targetShare * 100)}% of the prompts in ${data} to the cloud`,
      meta: { data, n: result.n },
    })
    if (flags.json) writeJson(ctx, { ...result, file: out })
    else {
      ctx.stdout.write(
        `threshold ${result.threshold} (was ${engine.policy.threshold}): sends ${(result.cloudShare * 100).toFixed(1)}% of ${result.n} prompts to the cloud` +
          `${result.pinned ? ` (${result.pinned} pinned by privacy, safe list or directive)` : ''}\nwrote ${out}\n`,
      )
    }
    return 0
  } finally {
    await engine.close()
  }
}
