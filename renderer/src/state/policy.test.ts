import { describe, expect, it } from 'vitest'
import type { PolicyStatus } from '../../../shared/policy-contract'
import { formatThreshold, thresholdSource } from './policy'

const status = (over: Partial<PolicyStatus> = {}): PolicyStatus => ({
  threshold: 65,
  policyThreshold: 65,
  override: null,
  policyFile: '/data/policy.json',
  policyFileExists: false,
  overrideFile: '/data/threshold-override.json',
  lastError: null,
  weights: { rules: 1, semantic: 1, judge: 1 },
  pooling: 'logit',
  judge: { enabled: false, when: 'uncertain', uncertainBand: 15 },
  ...over,
})

describe('helpers', () => {
  it('thresholdSource: override, policy.json or the defaults', () => {
    expect(thresholdSource(status())).toBe('default')
    expect(thresholdSource(status({ policyFileExists: true }))).toBe('policy')
    expect(thresholdSource(status({ policyFileExists: true, override: { threshold: 5, note: null, createdAt: null } }))).toBe('override')
  })

  it('formatThreshold', () => {
    expect(formatThreshold(65)).toBe('65')
    expect(formatThreshold(62.345)).toBe('62.35')
  })
})
