/**
 * `routellm doctor --deep`: the pre-deployment routing checklist (docs/routing-checklist.md)
 * run against this installation — embedding alignment, SLM judge stress test, bandit
 * epsilon, latency baseline, privacy audit — each ok / warn / fail with its reason.
 */
import { join } from 'node:path'
import { createStandardPillars } from '../../engine/standard-pillars'
import { loadPolicyFacts, type DoctorOptions } from '../facts'
import type { CheckResult, Verdict } from '../types'
import { fail } from '../types'
import { checkAlignment, type LabelledPrompt } from './alignment'
import { checkBanditEpsilon } from './bandit-epsilon'
import { checkJudgeStress, type JudgeFactory } from './judge-stress'
import { checkLatency, DEFAULT_LATENCY_LIMITS, type LatencyLimits } from './latency'
import { checkPrivacy, recordingFetch, type StackCapture } from './privacy-audit'
import { scratchDataDir, type DeepStackFactory } from './stack'
import { errorMessage } from '../../../../shared/errors'

export type { LabelledPrompt } from './alignment'
export type { DeepStack, DeepStackFactory, DeepStackOptions } from './stack'

export interface DeepOptions {
  /** Prompts with their expected cluster or tier: the user's, or the probe set's. */
  labelled: { prompts: readonly LabelledPrompt[]; source: string }
  /** Builds the whole stack on a scratch copy of the data folder's configuration. */
  stack: DeepStackFactory
  latencyLimits?: Partial<LatencyLimits>
  /** Tests: a judge to hold to the stress test instead of the real one. */
  judge?: JudgeFactory
}

const DEEP = [
  ['embedding-alignment', 'embedding alignment'],
  ['judge-stress', 'judge stress test'],
  ['bandit-epsilon', 'bandit epsilon'],
  ['latency-baseline', 'latency baseline'],
  ['privacy-audit', 'privacy audit'],
] as const

type DeepId = (typeof DEEP)[number][0]

async function guarded(run: () => Promise<Verdict> | Verdict): Promise<Verdict> {
  try {
    return await run()
  } catch (error) {
    return fail(`the check could not run: ${errorMessage(error)}`)
  }
}

/** Runs the checklist; the checks that need the whole stack share one, on a scratch data folder. */
export async function runDeepChecks(options: DoctorOptions & { dataDir: string }, deep: DeepOptions): Promise<CheckResult[]> {
  const { policy } = await loadPolicyFacts(options.dataDir)
  const verdicts = new Map<DeepId, Verdict>()

  verdicts.set(
    'embedding-alignment',
    await guarded(async () => {
      const standard = await createStandardPillars({
        policy: () => policy,
        semantic: { userModelsDir: join(options.dataDir, 'models') },
        warmup: true,
        combiner: false,
      })
      try {
        return await checkAlignment(standard.semantic, policy, deep.labelled.prompts, deep.labelled.source)
      } finally {
        await standard.dispose()
      }
    }),
  )
  verdicts.set('judge-stress', await guarded(() => checkJudgeStress(policy, deep.judge)))
  verdicts.set('bandit-epsilon', await guarded(() => checkBanditEpsilon(policy)))

  const scratch = await scratchDataDir(options.dataDir)
  try {
    const capture: StackCapture = { logs: [], cloudRequests: [] }
    const stack = await deep.stack({ dataDir: scratch.dir, log: (line) => capture.logs.push(line), cloudFetch: recordingFetch(capture) })
    verdicts.set('latency-baseline', await guarded(() => checkLatency(stack, { ...DEFAULT_LATENCY_LIMITS, ...deep.latencyLimits })))
    verdicts.set('privacy-audit', await guarded(() => checkPrivacy(stack, capture, scratch.dir)))
  } catch (error) {
    const why = fail(`the routing stack did not start: ${errorMessage(error)}`)
    for (const id of ['latency-baseline', 'privacy-audit'] as const) if (!verdicts.has(id)) verdicts.set(id, why)
  } finally {
    await scratch.remove()
  }
  return DEEP.map(([id, label]) => ({ id, label, ...verdicts.get(id)! }))
}
