import { existsSync } from 'node:fs'
import { DEFAULT_POLICY, type ThresholdOverride } from '../../../shared/policy'
import { writeJsonAtomic } from '../atomic-file'

export { applyOverride, parseOverrideText, parsePolicy, parsePolicyText, PolicyError, type PolicyIssue } from './parse'
export { createPolicyStore, type PolicyStore, type PolicyStoreOptions } from './store'

export const POLICY_FILE = 'policy.json'
export const THRESHOLD_OVERRIDE_FILE = 'threshold-override.json'

/** Writes the default policy where none exists yet, so the user has a complete file to edit. */
export async function initPolicyFile(file: string): Promise<boolean> {
  if (existsSync(file)) return false
  writeJsonAtomic(file, DEFAULT_POLICY)
  return true
}

export async function writeThresholdOverride(file: string, override: ThresholdOverride): Promise<void> {
  writeJsonAtomic(file, override)
}
