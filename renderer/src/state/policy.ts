import type { PolicyStatus } from '../../../shared/policy-contract'

/** The ROUTING POLICY panel's pure helpers. */

/** A threshold as the panel shows it: whole numbers bare, others to two decimals at most. */
export function formatThreshold(threshold: number): string {
  return Number.isInteger(threshold) ? String(threshold) : String(Math.round(threshold * 100) / 100)
}

/** Where the threshold in force comes from. */
export function thresholdSource(status: PolicyStatus): 'override' | 'policy' | 'default' {
  if (status.override?.threshold != null) return 'override'
  return status.policyFileExists ? 'policy' : 'default'
}
