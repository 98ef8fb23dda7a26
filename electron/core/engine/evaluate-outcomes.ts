import { seededRandom } from '../pillars/bandit'
import type { DatasetItem } from './dataset'
import { outcomeMetrics, type OutcomeMetrics, type OutcomeScored } from '../../../shared/outcome-metrics'
import type { Router } from './router'

export interface RouterComparison {
  n: number
  /** The complexity index as the router's "needs the strong model" score. */
  router: OutcomeMetrics
  /** Baselines measured on the same prompts: uniform random scores (seeded) and prompt length in tokens. */
  random: OutcomeMetrics
  length: OutcomeMetrics
}

export interface OutcomeReport extends RouterComparison {
  /** The same comparison per `source` of the lines (e.g. each benchmark). */
  bySource: Record<string, RouterComparison>
}

/** The seed of the random baseline, like RouteLLM's `random.seed(0)` (a different generator, so not the same draws). */
const RANDOM_SEED = 0

interface Row {
  source: string
  index: number
  tokens: number
  strong: number
  weak: number
}

function compare(rows: readonly Row[]): RouterComparison {
  const random = seededRandom(RANDOM_SEED)
  const as = (score: (r: Row) => number): OutcomeScored[] => rows.map((r) => ({ score: score(r), strong: r.strong, weak: r.weak }))
  return {
    n: rows.length,
    router: outcomeMetrics(as((r) => r.index)),
    random: outcomeMetrics(as(() => random())),
    length: outcomeMetrics(as((r) => r.tokens)),
  }
}

/**
 * RouteLLM's evaluation on outcome data (lines with `strong` and `weak`): the complexity index
 * ranks which prompts go to the strong (cloud) model, and the quality/cost curve, CPT, AUC
 * and APGR say how well, next to a random router and plain prompt length.
 */
export async function evaluateOutcomes(opts: { router: Router; items: readonly (DatasetItem & { strong: number; weak: number })[] }): Promise<OutcomeReport> {
  const rows: Row[] = []
  for (const item of opts.items) {
    const d = await opts.router.decide(item.prompt)
    rows.push({ source: item.source ?? 'unknown', index: d.complexity, tokens: d.tokens ?? 0, strong: item.strong, weak: item.weak })
  }
  const groups = new Map<string, Row[]>()
  for (const r of rows) {
    const group = groups.get(r.source)
    if (group) group.push(r)
    else groups.set(r.source, [r])
  }
  const bySource: Record<string, RouterComparison> = {}
  if (groups.size > 1) for (const [source, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) bySource[source] = compare(group)
  return { ...compare(rows), bySource }
}
