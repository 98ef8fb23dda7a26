import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ContractError } from '../../../shared/client'
import type { Decision } from '../../../shared/decision'
import type { PolicyAuditEntry, PolicyChanged, PolicyStatus, PolicyView, SaveOverrideResult } from '../../../shared/policy-contract'
import { dispatch } from '../lib/contract-dispatch'
import { createHandlers } from '../handlers'
import { MemoryKeyStore } from '../../../test/support/memory-key-store'
import { createServices, type Services } from '../services'

const PROMPT = 'Explain how a hash map handles collisions.'

describe("'policy.*' channels", () => {
  let services: Services
  let dataDir: string
  const call = async <T>(channel: string, input: unknown) => (await dispatch(createHandlers(services), channel, input)) as T

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'routellm-policy-channels-'))
    services = await createServices({ host: 'headless', dataDir, keyStore: new MemoryKeyStore(), env: { OLLAMA_HOST: 'http://127.0.0.1:9' } })
  })
  afterEach(async () => services.close())

  it('reports the defaults when there is no policy file', async () => {
    const status = await call<PolicyStatus>('policy.status', {})
    expect(status).toMatchObject({
      threshold: 65,
      policyThreshold: 65,
      override: null,
      policyFile: join(dataDir, 'policy.json'),
      policyFileExists: false,
      overrideFile: join(dataDir, 'threshold-override.json'),
      lastError: null,
      weights: { rules: 1, semantic: 1, judge: 1 },
      pooling: 'logit',
      judge: { enabled: false, when: 'uncertain', uncertainBand: 15 },
    })
  })

  it('setThreshold moves the next decision’s threshold; clearOverride restores 65', async () => {
    const set = await call<PolicyStatus>('policy.setThreshold', { threshold: 5 })
    expect(set.threshold).toBe(5)
    expect(set.policyThreshold).toBe(65)
    expect(set.override).toMatchObject({ threshold: 5, note: 'set from the dashboard', createdAt: expect.any(String) })
    expect((await call<Decision>('route.decide', { prompt: PROMPT })).threshold).toBe(5)

    const cleared = await call<PolicyStatus>('policy.clearOverride', {})
    expect(cleared.threshold).toBe(65)
    expect(cleared.override).toBeNull()
    expect(existsSync(join(dataDir, 'threshold-override.json'))).toBe(false)
    expect((await call<Decision>('route.decide', { prompt: PROMPT })).threshold).toBe(65)
  })

  it('keeps the other fields of an existing override (calibrated semantic thresholds)', async () => {
    const file = join(dataDir, 'threshold-override.json')
    const semanticThresholds = {
      'glove-sif-100d': { center: 0.01, scale: 0.03, minSimilarity: 0, confidenceMargin: 0.05, calibratedAt: '2026-01-01T00:00:00.000Z' },
    }
    writeFileSync(file, JSON.stringify({ version: 1, threshold: 60, note: 'calibrated', targetRecall: 0.9, semanticThresholds }))
    await services.router.policyStore.reload()

    await call('policy.setThreshold', { threshold: 42 })
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    // Written in patch form: the threshold replaced, the fitted semantic thresholds kept.
    expect(written).toEqual({
      version: 1,
      patch: { threshold: 42, semantic: { thresholds: semanticThresholds } },
      note: 'set from the dashboard',
      createdAt: expect.any(String),
    })
  })

  it('a broken policy.json is reported by field while the previous good policy stays in force', async () => {
    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, threshold: 55 }))
    await services.router.policyStore.reload()
    expect((await call<PolicyStatus>('policy.status', {})).threshold).toBe(55)

    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, threshold: 55, weights: { rules: -1 } }))
    await services.router.policyStore.reload()
    const status = await call<PolicyStatus>('policy.status', {})
    expect(status.policyFileExists).toBe(true)
    expect(status.threshold).toBe(55)
    expect(status.lastError?.issues).toEqual([expect.objectContaining({ path: 'weights.rules' })])
    expect(status.lastError?.message).toContain('weights.rules')
    expect((await call<Decision>('route.decide', { prompt: PROMPT })).threshold).toBe(55)

    writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ version: 1, threshold: 50 }))
    await services.router.policyStore.reload()
    expect(await call<PolicyStatus>('policy.status', {})).toMatchObject({ threshold: 50, lastError: null })
  })

  it('rejects a threshold outside 0–100 as invalid input, and writes nothing', async () => {
    for (const threshold of [-1, 101, Number.NaN]) {
      await expect(call('policy.setThreshold', { threshold })).rejects.toSatisfy((e) => e instanceof ContractError && e.code === 'invalid-input')
    }
    await expect(call('policy.setThreshold', {})).rejects.toMatchObject({ code: 'invalid-input' })
    expect(existsSync(join(dataDir, 'threshold-override.json'))).toBe(false)
  })

  it('saveOverride merges a patch, puts it in force, diffs it, audits it and announces the change; revert undoes it', async () => {
    const changed: PolicyChanged[] = []
    services.bus.subscribe((event, payload) => {
      if (event === 'policy.changed') changed.push(payload as PolicyChanged)
    })
    const saved = await call<SaveOverrideResult>('policy.saveOverride', { patch: { threshold: 30, judge: { uncertainBand: 5 } }, reason: 'tighter judge' })
    if (!saved.ok) throw new Error(JSON.stringify(saved.errors))
    expect(saved.policy).toMatchObject({
      threshold: 30,
      patch: { threshold: 30, judge: { uncertainBand: 5 } },
      effective: { threshold: 30 },
      base: { threshold: 65 },
    })
    expect(saved.policy.diff).toEqual([
      { path: 'threshold', default: 65, value: 30, source: 'override' },
      { path: 'judge.uncertainBand', default: 15, value: 5, source: 'override' },
    ])
    expect((await call<Decision>('route.decide', { prompt: PROMPT })).threshold).toBe(30)
    expect(changed).toEqual([{ threshold: 30, overridden: true }])

    const { entries } = await call<{ entries: PolicyAuditEntry[] }>('policy.audit', { limit: 5 })
    expect(entries).toEqual([expect.objectContaining({ id: saved.auditId, actor: 'user', reason: 'tighter judge', patchBefore: null, fileBefore: null })])
    const reverted = await call<PolicyView>('policy.revert', { id: saved.auditId })
    expect(reverted).toMatchObject({ threshold: 65, patch: null, diff: [] })
    expect(existsSync(join(dataDir, 'threshold-override.json'))).toBe(false)
    expect(changed.at(-1)).toEqual({ threshold: 65, overridden: false })
  })

  it('saveOverride answers field errors for a patch that breaks the policy, and a schema error for malformed input', async () => {
    const bad = await call<SaveOverrideResult>('policy.saveOverride', { patch: { bandit: { epsilon: { warmup: 0.01 } } } })
    expect(bad).toEqual({ ok: false, errors: [{ path: 'bandit.epsilon.warmup', message: expect.stringContaining('0.1') }] })
    await expect(call('policy.saveOverride', { patch: 'threshold=3' })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('patch'),
    })
    await expect(call('policy.revert', {})).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('id') })
    expect(existsSync(join(dataDir, 'threshold-override.json'))).toBe(false)
  })

  it("a cluster offset saved as an override, or registered by a feature, moves that cluster's prompts and no others", async () => {
    await services.router.warmedUp
    const maths = 'Is 97 a prime number?'
    const before = await call<Decision>('route.decide', { prompt: maths })
    expect(before).toMatchObject({ tier: 'local', pinned: null })
    const saved = await call<SaveOverrideResult>('policy.saveOverride', { patch: { clusterOffsets: { maths: 8 } }, reason: 'local model weak at maths' })
    expect(saved.ok && saved.policy.diff).toEqual([{ path: 'clusterOffsets.maths', default: null, value: 8, source: 'override' }])
    const after = await call<Decision>('route.decide', { prompt: maths })
    expect(after.tier).toBe('cloud')
    expect(after.complexity).toBeCloseTo(before.complexity + 8, 5)
    expect(after.explanation).toContain("- Cluster offset: +8 for cluster 'Maths problems': the policy sets clusterOffsets.maths")

    const remove = services.router.clusterOffsets.register({
      offsets: (id) => (id === 'maths' ? [{ points: -10, source: 'probe', reason: 'the local model passed 10 of 10 maths probes' }] : []),
    })
    expect((await call<Decision>('route.decide', { prompt: maths })).tier).toBe('local')
    remove()
    expect((await call<Decision>('route.decide', { prompt: 'hi there' })).explanation).not.toContain('Cluster offset')
  })
})
