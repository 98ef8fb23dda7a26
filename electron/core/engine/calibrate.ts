import type { Tier } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'
import type { SemanticPillar } from '../pillars/semantic'
import { fitThresholds, type MarginSample } from '../semantic/calibration'
import type { ModelThresholds } from '../semantic/settings'
import type { DatasetItem } from './dataset'
import { effectiveScore, evaluateRouter, isPromptPinned } from './evaluate'
import { thresholdForCloudShare } from './metrics'
import type { Router } from './router'
import { countTokens } from './tokens'
import { errorMessage } from '../../../shared/errors'
import { clamp } from '../../../shared/numbers'

export interface CalibrationResult {
  threshold: number
  targetRecall: number
  cloudRecall: number | null
  localShare: number | null
  /** Fits needed until the threshold stopped moving. */
  iterations: number
  n: number
}

const MAX_ITERATIONS = 6

/**
 * Fits the semantic pillar's center and scale for its active model from the margins it
 * measures on labelled prompts (the semantic module's logistic fit). Null, with the reason,
 * when the data cannot be fitted (one class only, or margins that do not separate).
 */
export async function fitSemanticThresholds(
  semantic: SemanticPillar,
  items: readonly DatasetItem[],
  policy: Policy,
): Promise<{ model: string; thresholds: ModelThresholds } | { error: string }> {
  const samples: MarginSample[] = []
  let model: string | null = null
  for (const item of items) {
    if (!item.label) continue
    const v = await semantic.evaluate({ prompt: item.prompt, tokens: countTokens(item.prompt).tokens, policy })
    const margin = v.detail?.['margin']
    if (typeof margin === 'number') samples.push({ margin, label: item.label })
    if (typeof v.detail?.['model'] === 'string') model = v.detail['model']
  }
  if (!model || samples.length === 0) return { error: 'the semantic pillar measured no margins (model not loaded?)' }
  try {
    return { model, thresholds: fitThresholds(samples) }
  } catch (error) {
    return { error: errorMessage(error) }
  }
}

/**
 * Finds the highest threshold whose routing keeps `targetRecall` of the cloud prompts in the
 * cloud. Some pillars (semantic) place their scores relative to the threshold itself, so one
 * fit can shift the scores it was fitted on: refit at the new threshold until it settles,
 * and keep the best threshold that met the target when measured at itself.
 */
export async function calibrateThreshold(opts: {
  /** A router running with the given policy. */
  routerFor: (policy: Policy) => Router
  basePolicy: Policy
  items: readonly (DatasetItem & { label?: Tier })[]
  targetRecall: number
}): Promise<CalibrationResult> {
  let threshold = opts.basePolicy.threshold
  let best: CalibrationResult | null = null
  let last: CalibrationResult | null = null
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const router = opts.routerFor({ ...opts.basePolicy, threshold })
    const report = await evaluateRouter({ router, items: opts.items, targetRecall: opts.targetRecall })
    // What the threshold in force achieves (measured at itself).
    const achieved: CalibrationResult = {
      threshold,
      targetRecall: opts.targetRecall,
      cloudRecall: report.atDefault.cloudRecall,
      localShare: report.atDefault.localShare,
      iterations: i,
      n: report.n,
    }
    if ((achieved.cloudRecall ?? 0) >= opts.targetRecall && (!best || (achieved.localShare ?? 0) > (best.localShare ?? 0))) best = achieved
    last = achieved
    const fitted = report.atTargetRecall.threshold
    if (fitted === null) break
    const next = clamp(fitted, 0, 100)
    if (Math.abs(next - threshold) < 0.25 && i > 1) break
    threshold = next
  }
  return best ?? last!
}

export interface CloudShareResult {
  threshold: number
  targetShare: number
  /** Share of the prompts the threshold sends to the cloud, pins included. */
  cloudShare: number
  /** Prompts whose tier a pin fixed (privacy, safe list, directive): no threshold moves them. */
  pinned: number
  iterations: number
  n: number
}

/**
 * Finds the threshold that sends `targetShare` of the prompts to the cloud. Pinned prompts
 * keep their tier whatever the threshold; scores placed around the threshold (semantic) move
 * with it, so the fit is repeated at the new threshold until the share settles.
 */
export async function calibrateCloudShare(opts: {
  routerFor: (policy: Policy) => Router
  basePolicy: Policy
  prompts: readonly string[]
  targetShare: number
}): Promise<CloudShareResult> {
  let threshold = opts.basePolicy.threshold
  let best: CloudShareResult | null = null
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const router = opts.routerFor({ ...opts.basePolicy, threshold })
    const scores: number[] = []
    let cloud = 0
    let pinned = 0
    for (const prompt of opts.prompts) {
      const d = await router.decide(prompt)
      if (d.tier === 'cloud') cloud++
      if (isPromptPinned(d)) pinned++
      scores.push(effectiveScore(d))
    }
    const achieved: CloudShareResult = {
      threshold,
      targetShare: opts.targetShare,
      cloudShare: cloud / opts.prompts.length,
      pinned,
      iterations: i,
      n: opts.prompts.length,
    }
    if (!best || Math.abs(achieved.cloudShare - opts.targetShare) < Math.abs(best.cloudShare - opts.targetShare)) best = achieved
    const next = clamp(thresholdForCloudShare(scores, opts.targetShare), 0, 100)
    if (Math.abs(next - threshold) < 0.05) break
    threshold = next
  }
  return best!
}
