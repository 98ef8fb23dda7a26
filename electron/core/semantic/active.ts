/**
 * Which embedding model a policy selects and what is known about its thresholds: what
 * `models list`, `doctor` and the contract report. The same thresholdsFor() the semantic
 * pillar scores with (and `calibrate` writes for), so "calibrated" means one thing.
 */
import { isDeepStrictEqual } from 'node:util'
import { BUNDLED_MODEL_THRESHOLDS, DEFAULT_MODEL_ID, DEFAULT_SEMANTIC_SETTINGS, SemanticSettings, thresholdsFor } from './settings'

/** The policy's `semantic` section, parsed; the defaults when it is absent or invalid. */
export function semanticSettingsOf(policy: { semantic?: unknown } | null | undefined): SemanticSettings {
  const parsed = SemanticSettings.safeParse(policy?.semantic ?? {})
  return parsed.success ? parsed.data : DEFAULT_SEMANTIC_SETTINGS
}

export interface ModelCalibration {
  model: string
  calibrated: boolean
  /** When `routellm calibrate` fitted the thresholds; null = never. */
  calibratedAt: string | null
  /** Labelled prompts the fit used, when recorded. */
  samples: number | null
  /**
   * 'settings': the policy (or the calibrate override) holds thresholds for this model;
   * 'bundled-default': the bundled model's shipped guesses; 'uncalibrated-default': generic guesses.
   */
  source: ReturnType<typeof thresholdsFor>['source']
}

export function calibrationOf(settings: Pick<SemanticSettings, 'thresholds'>, modelId: string): ModelCalibration {
  const t = thresholdsFor(settings, modelId)
  // The settings schema's default carries the bundled model's shipped guesses: still "shipped", not hand-set.
  const shipped = modelId === DEFAULT_MODEL_ID && isDeepStrictEqual(settings.thresholds[modelId], BUNDLED_MODEL_THRESHOLDS)
  return { model: modelId, calibrated: t.calibrated, calibratedAt: t.calibratedAt, samples: t.samples ?? null, source: shipped ? 'bundled-default' : t.source }
}

/** One line for people: "calibrated 2025-06-01 on 300 prompts" / "never calibrated (shipped defaults)". */
export function describeCalibration(c: ModelCalibration): string {
  if (c.calibrated) return `calibrated ${c.calibratedAt?.slice(0, 10) ?? ''}${c.samples !== null ? ` on ${c.samples} prompts` : ''}`.trim()
  if (c.source === 'bundled-default') return 'never calibrated (shipped defaults)'
  if (c.source === 'uncalibrated-default') return 'never calibrated (generic defaults)'
  return 'never calibrated (hand-set in the policy)'
}
