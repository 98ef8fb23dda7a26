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
 * penalty chosen the same way. Maths word problems (GSM8K) get a head too, on their own
 * outcome rows: it keeps them in the cloud band and ranks them by the gain of the cloud
 * model, its penalty chosen by repeated K-fold cross-validation over several seeds. Last, the index itself is cross-validated: every prompt's
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
import { choiceHeadFeatures, placeWordProblem, probabilityVerdict } from '../../electron/core/engine/combiner/combiner'
import { extractFeatures, featureNames } from '../../electron/core/engine/combiner/features'
import {
  toArtefact,
  trainChoiceHead,
  trainCombiner,
  trainWordProblemHead,
  type HeadRow,
  type LabelledRow,
  type WordProblemRow,
} from '../../electron/core/engine/combiner/train'
import { rankingScore } from '../../electron/core/engine/combiner/within-group'
import { isWordProblem, WORD_PROBLEM_FEATURES, wordProblemFeatures, wordProblemInput } from '../../electron/core/engine/combiner/word-problem'
import { topicNames } from '../../electron/core/engine/combiner/topic-axes'
import { logistic } from '../../shared/numbers'
import { composeIndex } from '../../electron/core/engine/compose'
import { atThreshold, auroc } from '../../electron/core/engine/metrics'
import { outcomeMetrics } from '../../shared/outcome-metrics'
import { createStandardPillars } from '../../electron/core/engine/standard-pillars'
import { countTokens } from '../../electron/core/engine/tokens'

const EMBEDDING_MODEL = 'glove-sif-100d'
const OPTIONS = { l2: [0.001, 0.01], routingShare: 0.5, iterations: 12, hashFolds: 5 }
const CHOICE_OPTIONS = { l2: [0.0003, 0.001, 0.003, 0.01], iterations: 12 }
const WORD_PROBLEM_OPTIONS = { l2: [0.01, 0.1, 1], topics: [0, 2, 4, 6], iterations: 12, folds: 10, seeds: 8 }
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
  const choiceRows: (HeadRow & { row: number })[] = []
  // Word problems with outcomes train the word-problem head; the routing ones are placed by it.
  const wordRows: (WordProblemRow & { row: number })[] = []
  const routingWordRows: { story: number[]; embedding: Float32Array; row: number }[] = []
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
    if (!question && isWordProblem(prompt)) {
      const word = { story: wordProblemFeatures(prompt), embedding: embedding!, row: verdicts.length - 1 }
      if (outcome) wordRows.push({ ...word, id: outcome.id, strong: outcome.strong, weak: outcome.weak })
      else routingWordRows.push(word)
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
    `features of ${rows.length} prompts computed (${choiceRows.length} multiple-choice, ${wordRows.length} + ${routingWordRows.length} word problems); cross-validating ${OPTIONS.l2.length} + ${CHOICE_OPTIONS.l2.length} + ${WORD_PROBLEM_OPTIONS.l2.length * WORD_PROBLEM_OPTIONS.topics.length} candidates`,
  )

  const { model, chosen, candidates, heldOut } = trainCombiner(rows, OPTIONS)
  for (const c of candidates) console.error(JSON.stringify(c))
  const choice = trainChoiceHead(choiceRows, CHOICE_OPTIONS)
  for (const c of choice.candidates) console.error(JSON.stringify({ choiceHead: c }))
  const word = trainWordProblemHead(wordRows, WORD_PROBLEM_OPTIONS)
  for (const c of word.candidates) console.error(JSON.stringify({ wordProblemHead: c }))

  // The cross-validated index: each prompt composed from its own rules and semantic verdicts and held-out learned verdicts.
  const learned = new Map<number, PillarVerdict>()
  rows.forEach((_, i) => learned.set(i, probabilityVerdict(heldOut[i]!, policy.threshold, [], 0)))
  const placing = (p: number) => ({ ...probabilityVerdict(p, policy.threshold, [], 0), detail: { placesIndex: true } })
  choiceRows.forEach((c, i) => learned.set(c.row, placing(choice.heldOut[i]!)))
  // Routing prompts were not in the head's training: the final head places them.
  const { calibration, topics } = word.model
  for (const w of routingWordRows) {
    const ranking = rankingScore(word.model, wordProblemInput(topics, w.story, w.embedding))
    learned.set(w.row, placing(placeWordProblem(logistic(calibration.bias + calibration.slope * ranking))))
  }
  /** The index with the word problems placed by the held-out head of one seed's folds. */
  const indexFor = (seed: number) => {
    wordRows.forEach((w, i) => learned.set(w.row, placing(placeWordProblem(word.heldOut[seed]![i]!))))
    return rows.map((_, i) => {
      const { rules, semantic } = verdicts[i]!
      // As in the router: a safe-list gate skips the combiner.
      const trace = rules.pin === 'safe-list' ? [rules, semantic] : [rules, semantic, learned.get(i)!]
      return composeIndex(trace, policy)?.index ?? 0
    })
  }
  const apgrOf = (part: string, score: (i: number) => number) =>
    r4(outcomeMetrics(rows.flatMap((r, i) => (r.part === part ? [{ score: score(i), strong: r.strong!, weak: r.weak! }] : []))).apgr)
  // The word-problem part's figure varies with the folds: its mean and spread over the seeds.
  const wordParts = [...new Set(wordRows.map((w) => rows[w.row]!.part))]
  const bySeed = word.heldOut.map((_, seed) => indexFor(seed))
  const apgrOverSeeds = Object.fromEntries(
    wordParts.map((part) => {
      const values = bySeed.map((index) => apgrOf(part, (i) => index[i]!))
      const mean = values.reduce((a, b) => a + b, 0) / values.length
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)
      return [part, { mean: r4(mean), sd: r4(sd), seeds: values.length }]
    }),
  )
  const index = bySeed[0]!
  const indexApgr: Record<string, number> = {}
  const lengthApgr: Record<string, number> = {}
  for (const part of Object.keys(chosen.apgr)) {
    indexApgr[part] = apgrOf(part, (i) => index[i]!)
    lengthApgr[part] = apgrOf(part, (i) => rows[i]!.x[0]!)
  }
  const routed = rows.flatMap((r, i) => (r.part === 'routing' ? [{ score: index[i]!, cloud: r.y === 1 }] : []))
  const atDefault = atThreshold(routed, policy.threshold)
  const indexCv = {
    apgr: indexApgr,
    apgrOverSeeds,
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
        wordProblemHead: {
          method: `${WORD_PROBLEM_OPTIONS.folds}-fold cross-validation repeated over ${WORD_PROBLEM_OPTIONS.seeds} seeds (folds by sha256 of seed and id); the index figures use the first seed's folds`,
          ...word.chosen,
        },
        index: indexCv,
      },
    },
    {
      choice: {
        model: choice.model,
        features: choiceHeadFeatures(),
        training: {
          rows: choiceRows.length,
          l2: choice.chosen.l2,
          label: "ridge on strong − weak with each subject's mean taken out of features and label; calibrated (logistic) to weak = 0",
        },
      },
      wordProblem: {
        model: word.model,
        features: [...WORD_PROBLEM_FEATURES, ...topicNames(topics.axes.length)],
        training: {
          rows: wordRows.length,
          l2: word.chosen.l2,
          topics: topics.axes.length,
          label: 'ridge on strong − weak over the story features and the embedding on its principal axes; calibrated (logistic) to weak = 0',
        },
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
