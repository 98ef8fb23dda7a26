/**
 * The semantic router's building blocks, for the engine, the hosts and the CLI:
 *   - settings:    SemanticSettings (zod) with per-model thresholds, thresholdsFor()
 *   - models:      where models live, checks, listInstalledModels(), verifyModelChecksums()
 *   - embedder:    createEmbedder() — transformers.js feature extraction, offline, cached
 *   - fetch:       fetchModel() — download an ONNX sentence-embedding model from a hub
 *   - clusters:    ClusterStore and the cluster file schemas
 *   - scoring:     buildClusterIndex(), scoreVector()
 *   - calibration: fitThresholds() from (margin, label) pairs
 *   - active:      semanticSettingsOf(policy), calibrationOf() — the selected model and its thresholds' state
 * The pillar itself is electron/core/pillars/semantic.ts (createSemanticPillar).
 */
export * from './settings'
export * from './models'
export * from './embedder'
export * from './fetch'
export * from './clusters'
export * from './scoring'
export * from './calibration'
export * from './active'
