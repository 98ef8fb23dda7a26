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
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_POLICY } from '../../shared/policy'
import { extractFeatures, featureNames } from '../../electron/core/engine/combiner/features'
import { toArtefact, trainCombiner, type LabelledRow } from '../../electron/core/engine/combiner/train'
import { createStandardPillars } from '../../electron/core/engine/standard-pillars'
import { countTokens } from '../../electron/core/engine/tokens'

const EMBEDDING_MODEL = 'glove-sif-100d'
const OPTIONS = { l2: [0.001, 0.01], routingShare: 0.5, iterations: 12, hashFolds: 5 }

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
  const featuresOf = async (prompt: string) => {
    const tokens = countTokens(prompt).tokens
    const input = { prompt, tokens, policy }
    const [embedding] = await embedder.embed([prompt], { cache: false })
    return extractFeatures({ prompt, tokens, rules: await standard.rules.evaluate(input), semantic: await standard.semantic!.evaluate(input), embedding: embedding! })
  }

  const rows: LabelledRow[] = []
  for (const o of outcomes.lines) {
    const id = String(o.id)
    const part = typeof o.subject === 'string' ? 'mmlu' : id.split('-')[0]!
    rows.push({ id, part, group: typeof o.subject === 'string' ? o.subject : null, y: Number(o.weak) > 0 ? 0 : 1, strong: Number(o.strong), weak: Number(o.weak), x: await featuresOf(String(o.prompt)) })
  }
  for (const r of routing.lines) rows.push({ id: String(r.id), part: 'routing', group: null, y: r.label === 'cloud' ? 1 : 0, x: await featuresOf(String(r.prompt)) })
  await standard.dispose()
  console.error(`features of ${rows.length} prompts computed; cross-validating ${OPTIONS.l2.length} penalties`)

  const { model, chosen, candidates } = trainCombiner(rows, OPTIONS)
  for (const c of candidates) console.error(JSON.stringify(c))
  const artefact = toArtefact(model, {
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
    crossValidated: { method: 'one fold per MMLU subject; GSM8K and routing rows in folds by sha256 of the id', ...chosen },
  })
  await mkdir(path.dirname(values.out!), { recursive: true })
  await writeFile(values.out!, `${JSON.stringify(artefact, null, 1)}\n`)
  console.log(`wrote ${values.out}: cross-validated ${JSON.stringify(chosen)}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
