import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICY, Policy } from '../../../shared/policy'
import { PolicyAuditLog } from './audit'
import { PolicyOverrides } from './overrides'
import { policyDiff } from './patch'
import { createPolicyStore } from './store'

async function setup(policy: Policy = DEFAULT_POLICY) {
  const dir = mkdtempSync(join(tmpdir(), 'routellm-overrides-'))
  const file = join(dir, 'threshold-override.json')
  const store = await createPolicyStore({ file: null, overrideFile: file, watch: false })
  const overrides = new PolicyOverrides({ file, audit: new PolicyAuditLog(join(dir, 'policy-audit.jsonl')), base: () => policy, written: () => store.reload() })
  return { dir, file, store, overrides }
}

describe('policy overrides', () => {
  it('merge patches (objects merge, arrays replace) and put them in force', async () => {
    const { store, overrides } = await setup()
    await overrides.save({ patch: { bandit: { epsilon: { warmup: 0.3 } } }, actor: 'user', reason: 'explore more' })
    await overrides.save({ patch: { threshold: 50, rules: { overrides: { cloud: ['@big'] } } }, actor: 'optimize', reason: 'cheaper' })
    expect(store.get().bandit.epsilon).toEqual({ ...DEFAULT_POLICY.bandit.epsilon, warmup: 0.3 })
    expect(store.get().threshold).toBe(50)
    expect(store.get().rules.overrides).toEqual({ cloud: ['@big'], local: DEFAULT_POLICY.rules.overrides.local })
    expect(store.override()?.patch).toEqual({ bandit: { epsilon: { warmup: 0.3 } }, threshold: 50, rules: { overrides: { cloud: ['@big'] } } })
  })

  it('reject a patch that breaks the policy, naming the field, and write nothing', async () => {
    const { file, overrides } = await setup()
    const write = await overrides.save({ patch: { bandit: { epsilon: { warmup: 0.05 } }, nope: 1 }, actor: 'user', reason: 'x' })
    expect(write.ok).toBe(false)
    expect(!write.ok && write.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['bandit.epsilon.warmup', 'nope']))
    expect(existsSync(file)).toBe(false)
    expect(await overrides.audit.list()).toEqual([])
  })

  it('audit every write, and revert restores the file byte for byte (a hand-written, threshold-only file too)', async () => {
    const { file, store, overrides } = await setup()
    const handWritten = '{"version":1,   "threshold": 61, "note": "by hand"}\n\n'
    writeFileSync(file, handWritten)
    await store.reload()
    expect(store.get().threshold).toBe(61)

    const first = await overrides.save({ patch: { judge: { enabled: true } }, actor: 'probe', reason: 'local model checked' })
    if (!first.ok) throw new Error('rejected')
    expect(store.get()).toMatchObject({ threshold: 61, judge: { enabled: true } })
    const reset = await overrides.clear({ actor: 'user', reason: 'reset' })
    if (!reset.ok) throw new Error('rejected')
    expect(existsSync(file)).toBe(false)

    const entries = await overrides.audit.list()
    expect(entries.map((e) => [e.actor, e.reason, e.patchBefore, e.patchAfter])).toEqual([
      ['user', 'reset', { threshold: 61, judge: { enabled: true } }, null],
      ['probe', 'local model checked', { threshold: 61 }, { threshold: 61, judge: { enabled: true } }],
    ])
    // Reset is itself revertible, then the first write: back to the exact bytes written by hand.
    await overrides.revert(reset.entry.id)
    expect(store.get().judge.enabled).toBe(true)
    await overrides.revert(first.entry.id)
    expect(readFileSync(file, 'utf8')).toBe(handWritten)
    expect(store.get()).toMatchObject({ threshold: 61, judge: { enabled: false } })
    expect((await overrides.audit.list(1))[0]!.reason).toMatch(/^revert /)
    await expect(overrides.revert('no-such-id')).rejects.toThrow(/no policy audit entry/)
  })

  it('diff the effective policy against the defaults, naming where each value comes from', async () => {
    const base = Policy.parse({ version: 1, threshold: 60, weights: { judge: 0 } })
    const { store, overrides } = await setup(base)
    await overrides.save({ patch: { threshold: 55, bandit: { epsilon: { warmup: 0.4 } } }, actor: 'user', reason: 'x' })
    // The store here has no policy file: merge the same way the hosts do.
    const effective = Policy.parse({ ...base, threshold: 55, bandit: { ...base.bandit, epsilon: { ...base.bandit.epsilon, warmup: 0.4 } } })
    expect(policyDiff(effective, store.override()!.patch)).toEqual([
      { path: 'threshold', default: 65, value: 55, source: 'override' },
      { path: 'weights.judge', default: 1, value: 0, source: 'policy-file' },
      { path: 'bandit.epsilon.warmup', default: 0.2, value: 0.4, source: 'override' },
    ])
  })
})
