import { describe, expect, it } from 'vitest'
import type { PolicyStatus } from '../../../shared/policy-contract'
import type { ErrorReport } from '../client/errors'
import { formatThreshold, initialPolicy, parseThreshold, policyReducer, thresholdSource, type PolicyAction, type PolicyState } from './policy'

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

const failure: ErrorReport = { message: 'engine down', code: 'unavailable', details: [], hint: null }

const run = (...actions: PolicyAction[]): PolicyState => actions.reduce(policyReducer, initialPolicy)

describe('policyReducer', () => {
  it('loads a status and fills the field with the threshold in force', () => {
    const s = run({ type: 'policy/requested' }, { type: 'policy/succeeded', status: status({ threshold: 40.5 }) })
    expect(s).toMatchObject({ loading: false, error: null, draft: '40.5', dirty: false })
    expect(s.status?.threshold).toBe(40.5)
  })

  it('a fresh status never overwrites what the user is typing', () => {
    const s = run({ type: 'policy/succeeded', status: status() }, { type: 'threshold/changed', value: '3' }, { type: 'policy/succeeded', status: status({ threshold: 70 }) })
    expect(s.draft).toBe('3')
    expect(s.status?.threshold).toBe(70)
  })

  it('a failed load keeps the last status', () => {
    const s = run({ type: 'policy/succeeded', status: status() }, { type: 'policy/requested' }, { type: 'policy/failed', error: failure })
    expect(s).toMatchObject({ loading: false, error: failure })
    expect(s.status).not.toBeNull()
  })

  it('save: busy, then the new status, the field clean and a message', () => {
    const saving = run({ type: 'policy/succeeded', status: status() }, { type: 'threshold/changed', value: '5' }, { type: 'threshold/saving' })
    expect(saving.busy).toBe('saving')
    const done = policyReducer(saving, { type: 'threshold/applied', status: status({ threshold: 5, override: { threshold: 5, note: 'set from the dashboard', createdAt: null } }), message: 'Threshold set to 5.' })
    expect(done).toMatchObject({ busy: null, dirty: false, draft: '5', message: 'Threshold set to 5.', actionError: null })
  })

  it('an invalid field and a failed save are reported; the next edit clears them', () => {
    const invalid = run({ type: 'threshold/changed', value: '140' }, { type: 'threshold/invalid', message: 'outside' })
    expect(invalid.fieldError).toBe('outside')
    const failed = run({ type: 'threshold/resetting' }, { type: 'threshold/failed', error: failure })
    expect(failed).toMatchObject({ busy: null, actionError: failure })
    expect(policyReducer(failed, { type: 'threshold/changed', value: '6' })).toMatchObject({ actionError: null, fieldError: null, draft: '6' })
  })
})

describe('parseThreshold', () => {
  it.each([
    ['65', 65],
    [' 5 ', 5],
    ['0', 0],
    ['100', 100],
    ['42.5', 42.5],
    ['.5', 0.5],
  ])('%j → %d', (text, threshold) => expect(parseThreshold(text)).toEqual({ ok: true, threshold }))

  it.each(['', 'abc', '1e2', '-1', '100.1', '5%'])('%j is refused with a message', (text) => {
    const parsed = parseThreshold(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(0)
  })
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
