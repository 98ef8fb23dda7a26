import { BUNDLED_MODEL_THRESHOLDS, DEFAULT_MODEL_ID, ModelThresholds, UNCALIBRATED_THRESHOLDS, type SemanticSettings } from '../../../shared/semantic-settings'

export {
  Aggregation,
  BUNDLED_MODEL_THRESHOLDS,
  DEFAULT_MODEL_ID,
  DEFAULT_SEMANTIC_SETTINGS,
  ModelThresholds,
  SemanticSettings,
  UNCALIBRATED_THRESHOLDS,
  type SemanticSettingsInput,
} from '../../../shared/semantic-settings'

/** The thresholds for a model, falling back to shipped guesses, with whether they were ever calibrated. */
export function thresholdsFor(
  settings: Pick<SemanticSettings, 'thresholds'>,
  modelId: string,
): ModelThresholds & { calibrated: boolean; source: 'settings' | 'bundled-default' | 'uncalibrated-default' } {
  const own = settings.thresholds[modelId]
  if (own) return { ...own, calibrated: own.calibratedAt !== null, source: 'settings' }
  if (modelId === DEFAULT_MODEL_ID) return { ...BUNDLED_MODEL_THRESHOLDS, calibrated: false, source: 'bundled-default' }
  return { ...UNCALIBRATED_THRESHOLDS, calibrated: false, source: 'uncalibrated-default' }
}

/** Returns new settings with one model's thresholds replaced (what `calibrate` writes). */
export function withThresholds(settings: SemanticSettings, modelId: string, t: ModelThresholds): SemanticSettings {
  return { ...settings, thresholds: { ...settings.thresholds, [modelId]: ModelThresholds.parse(t) } }
}
