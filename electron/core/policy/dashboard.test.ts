import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ContractError } from '../../../shared/client'
import type { Decision } from '../../../shared/decision'
import type { PolicyStatus } from '../../../shared/policy-contract'
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
    const semanticThresholds = { 'glove-sif-100d': { center: 0.01, scale: 0.03, minSimilarity: 0, confidenceMargin: 0.05, calibratedAt: '2026-01-01T00:00:00.000Z' } }
    writeFileSync(file, JSON.stringify({ version: 1, threshold: 60, note: 'calibrated', targetRecall: 0.9, semanticThresholds }))
    await services.router.policyStore.reload()

    await call('policy.setThreshold', { threshold: 42 })
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    expect(written).toMatchObject({ version: 1, threshold: 42, note: 'set from the dashboard', targetRecall: 0.9, semanticThresholds })
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
})
