export { applyOverride, parseOverrideText, parsePolicy, parsePolicyText, PolicyError, type Parsed, type PolicyIssue } from './parse'
export { createPolicyStore, readPolicyFiles, type PolicyFallback, type PolicyFilesRead, type PolicyStore, type PolicyStoreOptions } from './store'
export { mergePatch, policyDiff, type PolicyDiffEntry } from './patch'
export { POLICY_AUDIT_FILE, PolicyAuditLog } from './audit'
export { PolicyOverrides, type OverrideChange, type OverrideWrite, type SavePatch } from './overrides'

export const POLICY_FILE = 'policy.json'
/** The policy override (a patch since it was widened from the threshold alone; the name is kept so older files keep working). */
export const THRESHOLD_OVERRIDE_FILE = 'threshold-override.json'
