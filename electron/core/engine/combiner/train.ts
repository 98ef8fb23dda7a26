/**
 * Training the combiner: grouped cross-validation (whole groups held out together, so a
 * prompt is scored by a model that never saw its subject) and the artefact written to
 * resources/router/. Deterministic: folds come from sorted group names and hashes, never
 * from a random split.
 */
import { createHash } from 'node:crypto'
import { fitLogistic, probability, type FitOptions, type LogisticModel, type TrainingRow } from './logistic'

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
}

export function toArtefact(model: LogisticModel, meta: Omit<CombinerArtefact, 'version' | 'mean' | 'scale' | 'weights' | 'bias'>): CombinerArtefact {
  return {
    version: 1,
    embeddingModel: meta.embeddingModel,
    features: meta.features,
    mean: model.mean.map((v) => roundSignificant(v)),
    scale: model.scale.map((v) => roundSignificant(v)),
    weights: model.weights.map((v) => roundSignificant(v)),
    bias: roundSignificant(model.bias),
    training: meta.training,
    crossValidated: meta.crossValidated,
  }
}
