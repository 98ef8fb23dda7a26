export {
  DEFAULT_RETENTION,
  retentionFromEnv,
  TELEMETRY_FILE,
  TelemetryStore,
  type FeedbackResult,
  type Retention,
  type TelemetryInfo,
  type TelemetryStoreOptions,
} from './store'
export { submitFeedback, type FeedbackDeps } from './feedback'
export { errorClassOf, rowFromOutcome, type NewRow } from './row'
export { MIGRATIONS, migrate, NewerSchemaError, SCHEMA_VERSION, type Migration } from './schema'
