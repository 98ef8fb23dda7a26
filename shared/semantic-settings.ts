import { z } from 'zod'
import { BUNDLED_SEMANTIC_THRESHOLDS } from './policy'

/**
 * The semantic router's settings (the policy's `semantic` section): shared, so the dashboard
 * checks an edit with the schema the engine loads it with.
 */

/** The embedding model bundled in resources/models/. */
export const DEFAULT_MODEL_ID = 'glove-sif-100d'

/** How one cluster's similarity to a prompt is computed from its utterances. */
export const Aggregation = z.enum([
  /** similarity to the single nearest utterance */
  'max',
  /** mean similarity to the cluster's topK nearest utterances */
  'mean-top-k',
  /** similarity to the cluster's centroid (mean of its normalised utterance vectors) */
  'centroid',
])
export type Aggregation = z.infer<typeof Aggregation>

/**
 * Numbers that only mean something for one embedding model (similarities from different
 * models are not comparable), so they are stored per model id.
 *
 * The pillar computes margin = sim(nearest cloud cluster) − sim(nearest local cluster) and
 * maps z = (margin − center) / scale through a logistic onto 0–100 so that z = 0 lands on
 * the policy threshold: the pillar's own boundary is the router's boundary.
 */
export const ModelThresholds = z.object({
  /** Margin at which cloud and local are equally likely. */
  center: z.number().min(-2).max(2),
  /** Margin per logistic unit: smaller = steeper. */
  scale: z.number().positive().max(2),
  /** Default per-cluster minimum similarity for a cluster to count (a cluster may set its own). */
  minSimilarity: z.number().min(-1).max(1),
  /** |margin − center| at which confidence reaches tanh(1) ≈ 0.76. */
  confidenceMargin: z.number().positive().max(2),
  /** When `routellm calibrate` last fitted these numbers (ISO time); null = shipped guesses. */
  calibratedAt: z.string().nullable(),
  /** How many labelled prompts the calibration used. */
  samples: z.number().int().nonnegative().optional(),
})
export type ModelThresholds = z.infer<typeof ModelThresholds>

/**
 * Shipped thresholds for the bundled model: one definition, in the default policy (see
 * BUNDLED_SEMANTIC_THRESHOLDS there for how they were chosen). `routellm calibrate`
 * replaces them with numbers fitted on the user's data.
 */
export const BUNDLED_MODEL_THRESHOLDS: ModelThresholds = BUNDLED_SEMANTIC_THRESHOLDS

/**
 * For a model nobody calibrated: sentence-transformer models spread similarities wider
 * than the bundled bag-of-words model, so the scale is wider too.
 */
export const UNCALIBRATED_THRESHOLDS: ModelThresholds = {
  center: 0,
  scale: 0.05,
  minSimilarity: 0,
  confidenceMargin: 0.1,
  calibratedAt: null,
}

export const SemanticSettings = z.object({
  /** Model id: a folder under resources/models (bundled) or <dataDir>/models (fetched, e.g. "Xenova/all-MiniLM-L6-v2"). */
  model: z.string().min(1).default(DEFAULT_MODEL_ID),
  /** Utterances per cluster averaged by 'mean-top-k'. */
  topK: z.number().int().min(1).max(100).default(3),
  aggregation: Aggregation.default('mean-top-k'),
  /** Per-model thresholds, keyed by model id. */
  thresholds: z.record(z.string(), ModelThresholds).default({ [DEFAULT_MODEL_ID]: BUNDLED_MODEL_THRESHOLDS }),
  /** Prompt embeddings kept in memory (LRU); 0 disables the cache. */
  cacheSize: z.number().int().min(0).max(100_000).default(2048),
  /** Characters of a prompt that are embedded (the model truncates tokens anyway). */
  maxChars: z.number().int().positive().default(20_000),
  /** How long a decision waits for a model that is still loading before abstaining. */
  loadTimeoutMs: z.number().int().positive().default(5_000),
  /** Offline by default: nothing is downloaded unless the user allows it. */
  allowRemoteModels: z.boolean().default(false),
  /** Where `models fetch` downloads from ({remoteHost}/{hubId}/resolve/main/{file}). */
  remoteHost: z.string().url().default('https://huggingface.co'),
})
export type SemanticSettings = z.infer<typeof SemanticSettings>
export type SemanticSettingsInput = z.input<typeof SemanticSettings>

export const DEFAULT_SEMANTIC_SETTINGS: SemanticSettings = SemanticSettings.parse({})
