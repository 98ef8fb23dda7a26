/**
 * Training the combiner: grouped cross-validation (whole groups held out together, so a
 * prompt is scored by a model that never saw its subject) and the artefact written to
 * resources/router/. Deterministic: folds come from sorted group names and hashes, never
 * from a random split.
 */
import { createHash } from 'node:crypto'
import { atThreshold, auroc } from '../metrics'
import { outcomeMetrics } from '../../../../shared/outcome-metrics'
import { fitLogistic, probability, type FitOptions, type LogisticModel, type TrainingRow } from './logistic'
import { logistic, round } from '../../../../shared/numbers'
import { fitWithinGroups, rankingScore, type RankingModel } from './within-group'
import { fitTopicAxes, type TopicAxes } from './topic-axes'
import { wordProblemInput } from './word-problem'

export interface Example extends TrainingRow {
  /** Cross-validation fold, 0 … folds − 1. */
  fold: number
}

/** A stable fold for an id: the first 4 bytes of its sha256, modulo the number of folds. */
export function hashFold(id: string, folds: number): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % folds
}

/** Whole groups to folds: the sorted group names dealt round-robin, so folds are balanced and stable. */
export function groupFolds(groups: Iterable<string>, folds: number): Map<string, number> {
  const sorted = [...new Set(groups)].sort()
  return new Map(sorted.map((g, i) => [g, i % folds]))
}

/** Probabilities for every example from the model trained on the other folds. */
export function crossValidate(examples: readonly Example[], folds: number, opts: FitOptions): Float64Array {
  const out = new Float64Array(examples.length)
  for (let k = 0; k < folds; k++) {
    const train = examples.filter((e) => e.fold !== k)
    if (train.length === examples.length) continue
    const model = fitLogistic(train, opts)
    examples.forEach((e, i) => {
      if (e.fold === k) out[i] = probability(model, e.x)
    })
  }
  return out
}

/** Rounds to a fixed number of significant digits so the written JSON is byte-stable. */
export const roundSignificant = (x: number, digits = 6) => (x === 0 ? 0 : Number(x.toPrecision(digits)))

export interface CombinerArtefact {
  version: 1
  /** The embedding model whose vectors the weights were trained on. */
  embeddingModel: string
  /** The index a probability of 0.5 maps to. */
  evenOddsIndex: number
  features: string[]
  mean: number[]
  scale: number[]
  weights: number[]
  bias: number
  training: {
    data: { file: string; sha256: string; rows: number }[]
    l2: number
    iterations: number
    /** What each part's rows were labelled by, and how much they weigh. */
    labels: Record<string, string>
  }
  /** Cross-validated metrics, whole groups held out. */
  crossValidated: Record<string, unknown>
  /** The multiple-choice head, when trained. */
  choiceHead?: HeadArtefact
  /** The word-problem head, when trained. */
  wordProblemHead?: HeadArtefact & { topics: TopicAxes }
}

/** A head as shipped: its ranking, the calibration of its score and how it was trained. */
export interface HeadArtefact {
  features: string[]
  mean: number[]
  scale: number[]
  weights: number[]
  calibration: { bias: number; slope: number }
  training: Record<string, unknown>
}

/** A trained head and what the artefact says about it. */
export interface HeadInput {
  model: HeadModel
  features: string[]
  training: Record<string, unknown>
}

const rounded = (v: readonly number[]) => v.map((x) => roundSignificant(x))

function headArtefact(head: HeadInput): HeadArtefact {
  return {
    features: head.features,
    mean: rounded(head.model.mean),
    scale: rounded(head.model.scale),
    weights: rounded(head.model.weights),
    calibration: { bias: roundSignificant(head.model.calibration.bias), slope: roundSignificant(head.model.calibration.slope) },
    training: head.training,
  }
}

export function toArtefact(
  model: LogisticModel,
  meta: Omit<CombinerArtefact, 'version' | 'mean' | 'scale' | 'weights' | 'bias' | 'choiceHead' | 'wordProblemHead'>,
  heads: { choice?: HeadInput; wordProblem?: HeadInput & { model: WordProblemHeadModel } } = {},
): CombinerArtefact {
  return {
    version: 1,
    embeddingModel: meta.embeddingModel,
    evenOddsIndex: meta.evenOddsIndex,
    features: meta.features,
    mean: rounded(model.mean),
    scale: rounded(model.scale),
    weights: rounded(model.weights),
    bias: roundSignificant(model.bias),
    training: meta.training,
    crossValidated: meta.crossValidated,
    ...(heads.choice ? { choiceHead: headArtefact(heads.choice) } : {}),
    ...(heads.wordProblem
      ? {
          wordProblemHead: {
            ...headArtefact(heads.wordProblem),
            topics: { mean: rounded(heads.wordProblem.model.topics.mean), axes: heads.wordProblem.model.topics.axes.map(rounded) },
          },
        }
      : {}),
  }
}

/** One prompt's features and what is known about it (no prompt text: nothing here is shipped but weights). */
export interface LabelledRow {
  id: string
  /** `routing` rows are labelled cloud/local; any other part holds outcome rows (e.g. mmlu, gsm8k). */
  part: string
  /** Held out together in cross-validation (an MMLU subject); null: folds by a hash of the id. */
  group: string | null
  /** Routing rows: 1 = cloud. Outcome rows: 1 = the weak model failed. */
  y: 0 | 1
  strong?: number
  weak?: number
  x: ArrayLike<number>
}

export interface TrainOptions {
  /** Candidate L2 penalties; cross-validation picks one. */
  l2: readonly number[]
  /** The routing rows together weigh this share of the outcome rows. */
  routingShare: number
  iterations: number
  /** Folds for rows without a group. Grouped rows get one fold per group (at least this many folds in all). */
  hashFolds: number
}

export interface CrossValidated {
  l2: number
  /** RouteLLM APGR of the held-out probabilities per outcome part. */
  apgr: Record<string, number>
  /** On the routing rows, held out: AUROC and what even odds does. */
  routing: { auroc: number | null; cloudRecall: number | null; localShare: number } | null
}

const r4 = (x: number) => round(x, 4)

function measure(rows: readonly LabelledRow[], p: Float64Array, l2: number): CrossValidated {
  const apgr: Record<string, number> = {}
  const parts = [...new Set(rows.filter((r) => r.part !== 'routing').map((r) => r.part))].sort()
  for (const part of parts) {
    const scored = rows.flatMap((r, i) => (r.part === part ? [{ score: p[i]!, strong: r.strong ?? 0, weak: r.weak ?? 0 }] : []))
    apgr[part] = r4(outcomeMetrics(scored).apgr)
  }
  const routed = rows.flatMap((r, i) => (r.part === 'routing' ? [{ score: p[i]!, cloud: r.y === 1 }] : []))
  const at = routed.length ? atThreshold(routed, 0.5) : null
  const a = auroc(routed)
  return {
    l2,
    apgr,
    routing: at ? { auroc: a === null ? null : r4(a), cloudRecall: at.cloudRecall === null ? null : r4(at.cloudRecall), localShare: r4(at.localShare) } : null,
  }
}

/**
 * Cross-validates every candidate penalty with whole groups held out, picks the one with the
 * best mean APGR over the outcome parts among those keeping routing quality (AUROC >= 0.99,
 * cloud recall >= 0.95 at even odds), and fits the final model on all rows. Folds: whole groups,
 * dealt as {@link groupFolds} deals them, so a caller can line other held-out scores up with these.
 */
export function trainCombiner(
  rows: readonly LabelledRow[],
  opts: TrainOptions,
): {
  model: LogisticModel
  chosen: CrossValidated
  candidates: CrossValidated[]
  /** Per row, the probability from the model that never saw its fold. */ heldOut: Float64Array
} {
  const groups = [...new Set(rows.flatMap((r) => (r.group === null ? [] : [r.group])))].sort()
  const folds = Math.max(opts.hashFolds, groups.length)
  const groupFold = groupFolds(groups, folds)
  const outcomeRows = rows.filter((r) => r.part !== 'routing').length
  const routingRows = rows.length - outcomeRows
  const routingWeight = routingRows && outcomeRows ? (opts.routingShare * outcomeRows) / routingRows : 1
  const examples: Example[] = rows.map((r) => ({
    x: r.x,
    y: r.y,
    weight: r.part === 'routing' ? routingWeight : 1,
    fold: r.group === null ? hashFold(r.id, folds) : groupFold.get(r.group)!,
  }))
  const heldOut = opts.l2.map((l2) => crossValidate(examples, folds, { l2, iterations: opts.iterations }))
  const candidates = opts.l2.map((l2, i) => measure(rows, heldOut[i]!, l2))
  const keepsRouting = (c: CrossValidated) => !c.routing || ((c.routing.auroc ?? 0) >= 0.99 && (c.routing.cloudRecall ?? 0) >= 0.95)
  const objective = (c: CrossValidated) => {
    const values = Object.values(c.apgr)
    return (values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0) - (keepsRouting(c) ? 0 : 1)
  }
  const chosen = candidates.reduce((best, c) => (objective(c) > objective(best) ? c : best))
  const model = fitLogistic(examples, { l2: chosen.l2, iterations: opts.iterations })
  return { model, chosen, candidates, heldOut: heldOut[candidates.indexOf(chosen)]! }
}

/** An outcome row for a head (multiple-choice, word problem): its features and both models' outcomes. */
export interface HeadRow {
  id: string
  /** Rankings are learned inside groups (an MMLU subject); the choice head holds each out whole. */
  group: string
  x: ArrayLike<number>
  strong: number
  weak: number
}

export interface HeadModel extends RankingModel {
  /** Log-odds that the weak model fails = bias + slope × ranking score. */
  calibration: { bias: number; slope: number }
}

/** The within-group ranking, then its score calibrated to the chance that the weak model fails. */
function fitRankingHead(rows: readonly HeadRow[], l2: number, iterations: number): HeadModel {
  const ranking = fitWithinGroups(rows.map(gainRow), l2)
  const calib = fitLogistic(
    rows.map((r) => ({ x: [rankingScore(ranking, r.x)], y: r.weak > 0 ? 0 : 1 })),
    { l2: 0, iterations },
  )
  const slope = calib.weights[0]! / calib.scale[0]!
  return { ...ranking, calibration: { bias: calib.bias - slope * calib.mean[0]!, slope } }
}

/** What a head ranks by: the gain of sending the prompt to the cloud. */
const gainRow = (r: HeadRow) => ({ x: r.x, group: r.group, target: r.strong - r.weak })

export interface ChoiceHeadTrained {
  model: HeadModel
  chosen: { l2: number; apgr: number }
  candidates: { l2: number; apgr: number }[]
  /**
   * Per row, the probability from the ranking trained without the row's subject, placed by
   * the final calibration. One calibration for all folds: a calibration refitted per fold
   * shifts each held-out subject by how the others' failure rate moved when it left, which
   * reorders subjects for reasons no deployed model has. The calibration is monotone, so it
   * changes no ranking.
   */
  heldOut: Float64Array
}

/**
 * Trains the multiple-choice head: each candidate penalty is scored by the APGR of held-out
 * ranking scores, one fold per subject; the best one is fitted on all rows.
 */
export function trainChoiceHead(rows: readonly HeadRow[], opts: { l2: readonly number[]; iterations: number }): ChoiceHeadTrained {
  const groups = [...new Set(rows.map((r) => r.group))].sort()
  const rankingOf = (l2: number) => {
    const out = new Float64Array(rows.length)
    for (const g of groups) {
      const held = rows.filter((r) => r.group !== g).map(gainRow)
      const model = fitWithinGroups(held, l2)
      rows.forEach((r, i) => {
        if (r.group === g) out[i] = rankingScore(model, r.x)
      })
    }
    return out
  }
  const runs = opts.l2.map((l2) => {
    const ranking = rankingOf(l2)
    return { l2, apgr: r4(outcomeMetrics(rows.map((r, i) => ({ score: ranking[i]!, strong: r.strong, weak: r.weak }))).apgr), ranking }
  })
  const best = runs.reduce((a, b) => (b.apgr > a.apgr ? b : a))
  const model = fitRankingHead(rows, best.l2, opts.iterations)
  const { bias, slope } = model.calibration
  return {
    model,
    chosen: { l2: best.l2, apgr: best.apgr },
    candidates: runs.map(({ l2, apgr }) => ({ l2, apgr })),
    heldOut: best.ranking.map((s) => logistic(bias + slope * s)),
  }
}

export interface RepeatedCv {
  l2: number
  /** How many topic axes of the embedding the head reads (0: the story's surface alone). */
  topics: number
  /** APGR of the held-out ranking, mean and standard deviation over the seeds. */
  apgr: { mean: number; sd: number; perSeed: number[] }
}

/** A word problem with outcomes: the story's surface features and its embedding. */
export interface WordProblemRow {
  id: string
  story: readonly number[]
  embedding: ArrayLike<number>
  strong: number
  weak: number
}

export interface WordProblemHeadModel extends HeadModel {
  /** The topic axes whose projections follow the story's features in the head's input. */
  topics: TopicAxes
}

export interface WordProblemHeadTrained {
  model: WordProblemHeadModel
  chosen: RepeatedCv
  candidates: RepeatedCv[]
  /**
   * Per seed, per row: the probability from the head that never saw the row, placed by the
   * final calibration (monotone, so it changes no ranking; see {@link ChoiceHeadTrained}).
   */
  heldOut: Float64Array[]
}

/**
 * Trains the word-problem head: its rows are one pool (no subjects to hold out), so each
 * candidate (penalty × number of topic axes) is scored by repeated K-fold cross-validation —
 * folds from a hash of the seed and the row's id, deterministic; the topic axes are fitted on
 * the training folds only — and the one with the best mean held-out APGR is fitted on all
 * rows. One split alone would pick a candidate by its luck; the spread over seeds says how far
 * the figure can be trusted.
 */
export function trainWordProblemHead(
  rows: readonly WordProblemRow[],
  opts: { l2: readonly number[]; topics: readonly number[]; iterations: number; folds: number; seeds: number },
): WordProblemHeadTrained {
  const maxTopics = Math.max(0, ...opts.topics)
  const inputs = (topics: TopicAxes, count: number) => {
    const t = { mean: topics.mean, axes: topics.axes.slice(0, count) }
    return rows.map((r) => ({ id: r.id, group: 'word-problems', x: wordProblemInput(t, r.story, r.embedding), strong: r.strong, weak: r.weak }))
  }
  // Per seed and fold: the training rows and the topic axes fitted on them (the most any candidate reads).
  const splits = Array.from({ length: opts.seeds }, (_, seed) => {
    const fold = rows.map((r) => hashFold(`${seed}/${r.id}`, opts.folds))
    return Array.from({ length: opts.folds }, (_, k) => {
      const train = rows.flatMap((r, i) => (fold[i] !== k ? [i] : []))
      return {
        k,
        fold,
        train,
        topics: fitTopicAxes(
          train.map((i) => rows[i]!.embedding),
          maxTopics,
        ),
      }
    })
  })
  const apgrOf = (ranking: Float64Array) => outcomeMetrics(rows.map((r, i) => ({ score: ranking[i]!, strong: r.strong, weak: r.weak }))).apgr
  const runs = opts.topics.flatMap((topics) =>
    opts.l2.map((l2) => {
      const rankings = splits.map((folds) => {
        const out = new Float64Array(rows.length)
        for (const { k, fold, train, topics: axes } of folds) {
          if (train.length === rows.length) continue
          const x = inputs(axes, topics)
          const model = fitWithinGroups(
            train.map((i) => gainRow(x[i]!)),
            l2,
          )
          x.forEach((r, i) => {
            if (fold[i] === k) out[i] = rankingScore(model, r.x)
          })
        }
        return out
      })
      const perSeed = rankings.map(apgrOf)
      const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length
      const sd = Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / perSeed.length)
      return { cv: { l2, topics, apgr: { mean: r4(mean), sd: r4(sd), perSeed: perSeed.map(r4) } }, rankings }
    }),
  )
  const best = runs.reduce((a, b) => (b.cv.apgr.mean > a.cv.apgr.mean ? b : a))
  const topics = fitTopicAxes(
    rows.map((r) => r.embedding),
    best.cv.topics,
  )
  const model = { ...fitRankingHead(inputs(topics, best.cv.topics), best.cv.l2, opts.iterations), topics }
  const { bias, slope } = model.calibration
  return {
    model,
    chosen: best.cv,
    candidates: runs.map((r) => r.cv),
    heldOut: best.rankings.map((ranking) => ranking.map((s) => logistic(bias + slope * s))),
  }
}
