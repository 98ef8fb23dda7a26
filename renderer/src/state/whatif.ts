import type { Decision, Tier } from '../../../shared/decision'
import { outcomeMetrics } from '../../../shared/outcome-metrics'

/**
 * The what-if view as pure functions: a batch of prompts is routed once (route.decide, which
 * generates nothing); moving the threshold then re-splits the batch from each decision's
 * complexity without asking the engine again. Prompts pinned by what they are (privacy,
 * safe lists, rule short-circuits) keep their tier whatever the threshold, as in the router;
 * pins of the moment (endpoint health, offline, budget) are left out: the question is the policy.
 */

export const MAX_WHATIF_PROMPTS = 1000

export interface WhatIfItem {
  prompt: string
  /** The tier a labelled file says the prompt needs (JSONL "label": "local" | "cloud"). */
  label: Tier | null
  /** How the cloud (strong) and local (weak) models did on it (JSONL "strong" and "weak", 1/0 or a score 0–1). */
  outcome: Outcome | null
}

export interface Outcome {
  strong: number
  weak: number
}

const isScore = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1

/** One prompt per line, or JSONL objects with "prompt" (and optionally "label"); blank lines skipped. */
export function parsePrompts(text: string): { items: WhatIfItem[]; skipped: number } {
  const items: WhatIfItem[] = []
  let skipped = 0
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') continue
    if (items.length >= MAX_WHATIF_PROMPTS) {
      skipped++
      continue
    }
    if (line.startsWith('{')) {
      const parsed = parseJsonLine(line)
      if (parsed) items.push(parsed)
      else skipped++
      continue
    }
    items.push({ prompt: line, label: null, outcome: null })
  }
  return { items, skipped }
}

function parseJsonLine(line: string): WhatIfItem | null {
  try {
    const value: unknown = JSON.parse(line)
    if (typeof value !== 'object' || value === null) return null
    const { prompt, label, strong, weak } = value as { prompt?: unknown; label?: unknown; strong?: unknown; weak?: unknown }
    if (typeof prompt !== 'string' || prompt.trim() === '') return null
    return { prompt, label: label === 'local' || label === 'cloud' ? label : null, outcome: isScore(strong) && isScore(weak) ? { strong, weak } : null }
  } catch {
    return null
  }
}

export interface Routed {
  item: WhatIfItem
  decision: Pick<Decision, 'tier' | 'complexity' | 'pinned' | 'tokens' | 'threshold'>
}

const PROMPT_PINS: ReadonlySet<Decision['pinned']> = new Set(['privacy', 'override', 'safe-list'])

/** A pin that comes from the prompt itself, not from the state of endpoints, network or budget. */
export function pinnedByPrompt(d: Pick<Decision, 'pinned'>): boolean {
  return PROMPT_PINS.has(d.pinned)
}

/** The tier a decision would get at `threshold`: the router's rule (index above threshold → cloud) unless the prompt pins it. */
export function tierAt(d: Routed['decision'], threshold: number): Tier {
  if (pinnedByPrompt(d)) return d.tier
  return d.complexity > threshold ? 'cloud' : 'local'
}

export interface CloudPrice {
  inputPerMTok: number
  outputPerMTok: number
  /** Output tokens assumed per answer (nothing is generated). */
  outputTokens: number
}

const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

/**
 * The policy's all-cloud baseline (its `simulation` section, as `routellm simulate` prices a
 * batch), from the effective policy the engine validated; null when it is not there.
 */
export function priceFromPolicy(effective: Record<string, unknown> | null | undefined): CloudPrice | null {
  const simulation = effective?.simulation as { cloudPrice?: { inputPerMTok?: unknown; outputPerMTok?: unknown }; assumedOutputTokens?: unknown } | undefined
  const input = simulation?.cloudPrice?.inputPerMTok
  const output = simulation?.cloudPrice?.outputPerMTok
  const tokens = simulation?.assumedOutputTokens
  return isPrice(input) && isPrice(output) && isPrice(tokens) ? { inputPerMTok: input, outputPerMTok: output, outputTokens: tokens } : null
}

export interface WhatIfFigures {
  n: number
  local: number
  cloud: number
  localShare: number | null
  allCloudUsd: number
  routedUsd: number
  savedShare: number | null
  /** With labels: share routed to the labelled tier, and share of cloud-labelled prompts sent to the cloud. */
  labelled: number
  accuracy: number | null
  cloudRecall: number | null
}

function promptCost(r: Routed, price: CloudPrice): number {
  const input = r.decision.tokens ?? Math.ceil(r.item.prompt.length / 4)
  return (input * price.inputPerMTok + price.outputTokens * price.outputPerMTok) / 1_000_000
}

export function whatIf(routed: readonly Routed[], threshold: number, price: CloudPrice): WhatIfFigures {
  let local = 0
  let allCloudUsd = 0
  let routedUsd = 0
  let labelled = 0
  let correct = 0
  let cloudLabels = 0
  let cloudCaught = 0
  for (const r of routed) {
    const tier = tierAt(r.decision, threshold)
    const cost = promptCost(r, price)
    allCloudUsd += cost
    if (tier === 'local') local++
    else routedUsd += cost
    if (r.item.label) {
      labelled++
      if (r.item.label === tier) correct++
      if (r.item.label === 'cloud') {
        cloudLabels++
        if (tier === 'cloud') cloudCaught++
      }
    }
  }
  const n = routed.length
  return {
    n,
    local,
    cloud: n - local,
    localShare: n ? local / n : null,
    allCloudUsd,
    routedUsd,
    savedShare: allCloudUsd > 0 ? (allCloudUsd - routedUsd) / allCloudUsd : null,
    labelled,
    accuracy: labelled ? correct / labelled : null,
    cloudRecall: cloudLabels ? cloudCaught / cloudLabels : null,
  }
}

export interface OutcomeFigures {
  /** Prompts with both outcomes. */
  n: number
  /** RouteLLM's average performance gap recovered by the complexity index's ranking (0.5 ≈ random). */
  apgr: number
  /** Cloud share needed to recover half the quality gap, 0–100. */
  cpt50: number
  /** Mean outcome, in percent, of the cloud model everywhere, the local model everywhere, and the split at the threshold. */
  strongAccuracy: number
  weakAccuracy: number
  accuracyAt: number
  /** Share of the gap between local-only and cloud-only quality the split recovers at this threshold (null with no gap). */
  gapRecoveredAt: number | null
}

/**
 * With outcomes in the file: how well the index ranks the batch (the metric `routellm eval`
 * reports, from shared code) and the quality of the split at this threshold, where a cloud
 * prompt gets the strong model's outcome and a local one the weak model's.
 */
export function outcomeFigures(routed: readonly Routed[], threshold: number): OutcomeFigures | null {
  const scored = routed.flatMap((r) => (r.item.outcome ? [{ r, outcome: r.item.outcome }] : []))
  if (scored.length === 0) return null
  const metrics = outcomeMetrics(scored.map(({ r, outcome }) => ({ score: r.decision.complexity, ...outcome })))
  const total = scored.reduce((sum, { r, outcome }) => sum + (tierAt(r.decision, threshold) === 'cloud' ? outcome.strong : outcome.weak), 0)
  const accuracyAt = (total / scored.length) * 100
  const gap = metrics.strongAccuracy - metrics.weakAccuracy
  return {
    n: metrics.n,
    apgr: metrics.apgr,
    cpt50: metrics.cpt50,
    strongAccuracy: metrics.strongAccuracy,
    weakAccuracy: metrics.weakAccuracy,
    accuracyAt,
    gapRecoveredAt: gap === 0 ? null : (accuracyAt - metrics.weakAccuracy) / gap,
  }
}
