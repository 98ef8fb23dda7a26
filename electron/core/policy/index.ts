import type { ThresholdOverride } from '../../../shared/policy'
import { writeJsonAtomic } from '../lib/atomic-file'

export { applyOverride, parseOverrideText, parsePolicy, parsePolicyText, PolicyError, type PolicyIssue } from './parse'
export { createPolicyStore, type PolicyStore, type PolicyStoreOptions } from './store'

export const POLICY_FILE = 'policy.json'
export const THRESHOLD_OVERRIDE_FILE = 'threshold-override.json'

export async function writeThresholdOverride(file: string, override: ThresholdOverride): Promise<void> {
  writeJsonAtomic(file, override)
}
