import { Policy } from './schema'

/**
 * The routing policy: the schema (schema.ts, and terms.ts for its word lists' elements), the
 * built-in vocabularies (vocabularies.ts) and the shipped semantic thresholds (defaults.ts).
 * Importers use this module, not the files behind it.
 */
export { BUNDLED_SEMANTIC_THRESHOLDS } from './defaults'
export {
  BanditPolicy,
  JudgePolicy,
  Policy,
  PolicyOverrideFile,
  PolicyPatch,
  RulesPolicy,
  SimulationPolicy,
  type PolicyInput,
  type PolicyOverride,
} from './schema'
export { PrivacyKind, SafeKind, SafePattern, Trigger, TriggerKind } from './terms'
export { DEFAULT_SAFE_PATTERNS, DEFAULT_TASK_VERBS, DEFAULT_TRIGGERS } from './vocabularies'

/** The default policy: `{ "version": 1 }` with every default filled in. */
export const DEFAULT_POLICY: Policy = Policy.parse({ version: 1 })
