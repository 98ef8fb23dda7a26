/**
 * Trains the learned combiner and writes resources/router/combiner.json: weights, the sha256
 * of the training data and the cross-validated metrics — never a prompt. Run with
 * `npm run router:train` (options: --outcomes <file> --routing <file> --out <file>).
 * Deterministic: the same data gives the same bytes.
 *
 * Rows: outcome prompts (positive = the weak model failed it) and labelled routing prompts
 * (positive = cloud), so the index both ranks prompts inside a task and keeps kinds of task
 * apart. The L2 penalty is chosen by cross-validation holding out whole MMLU subjects (one
 * fold per subject; GSM8K and routing prompts fall into folds by a hash of their id).
 *
 * Multiple-choice questions get their own head, trained on their outcome rows alone: a
 * ranking learned inside each subject of what the strong model gains over the weak one,
 * penalty chosen the same way. Last, the index itself is cross-validated: every prompt's
 * index is composed, as the engine composes it, from its rules and semantic verdicts and the
 * learned verdict of the models that never saw its fold; those figures are what `eval`
 * reports for this data.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { PillarVerdict } from '../../shared/decision'
import { DEFAULT_POLICY } from '../../shared/policy'
import { choiceFeatures, parseChoiceQuestion } from '../../electron/core/engine/combiner/choice-question'
import { choiceHeadFeatures, probabilityVerdict } from '../../electron/core/engine/combiner/combiner'
import { extractFeatures, featureNames } from '../../electron/core/engine/combiner/features'
import { toArtefact, trainChoiceHead, trainCombiner, type ChoiceRow, type LabelledRow } from '../../electron/core/engine/combiner/train'
import { composeIndex } from '../../electron/core/engine/compose'
import { atThreshold, auroc } from '../../electron/core/engine/metrics'
import { outcomeMetrics } from '../../shared/outcome-metrics'
import { createStandardPillars } from '../../electron/core/engine/standard-pillars'
import { countTokens } from '../../electron/core/engine/tokens'

const EMBEDDING_MODEL = 'glove-sif-100d'
const OPTIONS = { l2: [0.001, 0.01], routingShare: 0.5, iterations: 12, hashFolds: 5 }
const CHOICE_OPTIONS = { l2: [0.0003, 0.001, 0.003, 0.01], iterations: 12 }
const r4 = (x: number) => Math.round(x * 10_000) / 10_000

type Line = Record<string, unknown>

async function readJsonl(file: string): Promise<{ sha256: string; lines: Line[] }> {
  const text = await readFile(file, 'utf8')
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line)
  return { sha256: createHash('sha256').update(text).digest('hex'), lines }
}

async function main() {
  const { values } = parseArgs({
    options: {
      outcomes: { type: 'string', default: '../shared/data/outcomes-dev.jsonl' },
      routing: { type: 'string', default: '../shared/data/routing-dev.jsonl' },
      out: { type: 'string', default: 'resources/router/combiner.json' },
    },
  })
  const outcomes = await readJsonl(values.outcomes!)
  const routing = await readJsonl(values.routing!)
  const policy = DEFAULT_POLICY
  // The features are computed by the same pillars, with the default policy, that the product runs.
  const standard = await createStandardPillars({ policy: () => policy, warmup: true, combiner: false, warn: (m) => console.error(m) })
  if (!standard.semantic) throw new Error('the semantic pillar did not load')
  const embedder = standard.semantic.embedder(EMBEDDING_MODEL)
  const verdicts: { rules: PillarVerdict; semantic: PillarVerdict }[] = []
  const choiceRows: (ChoiceRow & { row: number })[] = []
  const featuresOf = async (prompt: string, outcome?: { id: string; group: string | null; strong: number; weak: number }) => {
    const tokens = countTokens(prompt).tokens
    const input = { prompt, tokens, policy }
    const [embedding] = await embedder.embed([prompt], { cache: false })
    const featureInput = {
      prompt,
      tokens,
      rules: await standard.rules.evaluate(input),
      semantic: await standard.semantic!.evaluate(input),
      embedding: embedding!,
    }
    verdicts.push({ rules: featureInput.rules, semantic: featureInput.semantic })
    const x = extractFeatures(featureInput)
    const question = parseChoiceQuestion(prompt)
    if (question && outcome?.group) {
      const [stem, ...options] = await embedder.embed([question.stem, ...question.options], { cache: false })
      const head = [...x.subarray(0, featureNames(0).length), ...choiceFeatures(question, { stem: stem!, options }, prompt.length)]
      choiceRows.push({ id: outcome.id, group: outcome.group, x: head, strong: outcome.strong, weak: outcome.weak, row: verdicts.length - 1 })
    }
    return x
  }

  const rows: LabelledRow[] = []
  for (const o of outcomes.lines) {
    const id = String(o.id)
    const part = typeof o.subject === 'string' ? 'mmlu' : id.split('-')[0]!
    const group = typeof o.subject === 'string' ? o.subject : null
    const strong = Number(o.strong)
    const weak = Number(o.weak)
    rows.push({ id, part, group, y: weak > 0 ? 0 : 1, strong, weak, x: await featuresOf(String(o.prompt), { id, group, strong, weak }) })
  }
  for (const r of routing.lines)
    rows.push({ id: String(r.id), part: 'routing', group: null, y: r.label === 'cloud' ? 1 : 0, x: await featuresOf(String(r.prompt)) })
  await standard.dispose()
  console.error(
    `features of ${rows.length} prompts computed (${choiceRows.length} multiple-choice); cross-validating ${OPTIONS.l2.length} + ${CHOICE_OPTIONS.l2.length} penalties`,
  )

  const { model, chosen, candidates, heldOut } = trainCombiner(rows, OPTIONS)
  for (const c of candidates) console.error(JSON.stringify(c))
  const choice = trainChoiceHead(choiceRows, CHOICE_OPTIONS)
  for (const c of choice.candidates) console.error(JSON.stringify({ choiceHead: c }))

  // The cross-validated index: each prompt composed from its own rules and semantic verdicts and held-out learned verdicts.
  const learned = new Map<number, PillarVerdict>()
  rows.forEach((_, i) => learned.set(i, probabilityVerdict(heldOut[i]!, policy.threshold, [], 0)))
  choiceRows.forEach((c, i) => learned.set(c.row, { ...probabilityVerdict(choice.heldOut[i]!, policy.threshold, [], 0), detail: { placesIndex: true } }))
  const index = rows.map((_, i) => {
    const { rules, semantic } = verdicts[i]!
    // As in the router: a safe-list gate skips the combiner.
    const trace = rules.pin === 'safe-list' ? [rules, semantic] : [rules, semantic, learned.get(i)!]
    return composeIndex(trace, policy)?.index ?? 0
  })
  const indexApgr: Record<string, number> = {}
  const lengthApgr: Record<string, number> = {}
  for (const part of Object.keys(chosen.apgr)) {
    const at = rows.flatMap((r, i) => (r.part === part ? [i] : []))
    indexApgr[part] = r4(outcomeMetrics(at.map((i) => ({ score: index[i]!, strong: rows[i]!.strong!, weak: rows[i]!.weak! }))).apgr)
    lengthApgr[part] = r4(outcomeMetrics(at.map((i) => ({ score: rows[i]!.x[0]!, strong: rows[i]!.strong!, weak: rows[i]!.weak! }))).apgr)
  }
  const routed = rows.flatMap((r, i) => (r.part === 'routing' ? [{ score: index[i]!, cloud: r.y === 1 }] : []))
  const atDefault = atThreshold(routed, policy.threshold)
  const indexCv = {
    apgr: indexApgr,
    lengthApgr,
    routing: {
      auroc: r4(auroc(routed) ?? 0),
      cloudRecall: r4(atDefault.cloudRecall ?? 0),
      localShare: r4(atDefault.localShare),
      accuracy: r4(atDefault.accuracy),
    },
  }
  console.error(JSON.stringify({ index: indexCv }))
  const artefact = toArtefact(
    model,
    {
      embeddingModel: EMBEDDING_MODEL,
      evenOddsIndex: DEFAULT_POLICY.threshold,
      features: featureNames(rows[0]!.x.length - featureNames(0).length),
      training: {
        data: [
          { file: path.basename(values.outcomes!), sha256: outcomes.sha256, rows: outcomes.lines.length },
          { file: path.basename(values.routing!), sha256: routing.sha256, rows: routing.lines.length },
        ],
        l2: chosen.l2,
        iterations: OPTIONS.iterations,
        labels: {
          outcomes: 'positive when the weak model failed (weak = 0); each row weighs 1',
          routing: `positive when labelled cloud; together the rows weigh ${OPTIONS.routingShare} of the outcome rows`,
        },
      },
      crossValidated: {
        method: 'one fold per MMLU subject; GSM8K and routing rows in folds by sha256 of the id',
        ...chosen,
        choiceHead: choice.chosen,
        index: indexCv,
      },
    },
    {
      model: choice.model,
      features: choiceHeadFeatures(),
      training: {
        rows: choiceRows.length,
        l2: choice.chosen.l2,
        label: "ridge on strong − weak with each subject's mean taken out of features and label; calibrated (logistic) to weak = 0",
      },
    },
  )
  await mkdir(path.dirname(values.out!), { recursive: true })
  await writeFile(values.out!, `${JSON.stringify(artefact, null, 1)}\n`)
  console.log(`wrote ${values.out}: cross-validated index ${JSON.stringify(indexCv)}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
