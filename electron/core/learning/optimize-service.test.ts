import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY, type Policy } from '../../../shared/policy'
import { DEFAULT_TELEMETRY_RULES } from '../../../shared/telemetry-rules'
import { syntheticRows, type SyntheticCluster } from '../../../test/support/synthetic-telemetry'
import { PolicyAuditLog } from '../policy/audit'
import { PolicyOverrides } from '../policy/overrides'
import { createPolicyStore } from '../policy/store'
import { OptimizeService } from './optimize-service'

const NOW = Date.UTC(2026, 5, 1)
const base: Policy = { ...DEFAULT_POLICY, composition: { ...DEFAULT_POLICY.composition, pooling: 'mean' } }
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function setup(clusters: SyntheticCluster[]) {
  const dir = mkdtempSync(join(tmpdir(), 'routellm-optimize-'))
  dirs.push(dir)
  const file = join(dir, 'threshold-override.json')
  // A hand-written override in place, with its own spacing: Revert must give back these bytes.
  const handWritten = '{"version":1,  "patch": {"threshold": 64}, "note": "by hand"}\n\n'
  writeFileSync(file, handWritten)
  const store = await createPolicyStore({ file: null, overrideFile: file, watch: false })
  const overrides = new PolicyOverrides({ file, audit: new PolicyAuditLog(join(dir, 'policy-audit.jsonl')), base: () => base, written: () => store.reload() })
  let rows = syntheticRows({ n: 500, now: NOW, clusters })
  const service = new OptimizeService({
    telemetry: { evidence: () => rows },
    policy: () => store.get(),
    rules: async () => DEFAULT_TELEMETRY_RULES,
    conditions: () => ({ cloudDegraded: null, budgetShare: null }),
    overrides,
    now: () => NOW,
  })
  return {
    file,
    handWritten,
    store,
    overrides,
    service,
    setRows: (next: SyntheticCluster[]) => (rows = syntheticRows({ n: 500, now: NOW, clusters: next, seed: 2 })),
  }
}

const maths: SyntheticCluster = { id: 'maths', weight: 1, score: 55, failRate: 0.5, failBy: 'retry' }
const chat: SyntheticCluster = { id: 'chat', weight: 1, score: 20, failRate: 0 }

describe('Optimize Load, applied and reverted through the audited override', () => {
  it('Apply writes the proposals as one audit entry by optimize, with the reason; the policy in force changes', async () => {
    const { store, overrides, service } = await setup([maths, chat])
    const result = await service.apply()
    expect(result.applied).toBe(true)
    const offset = store.get().clusterOffsets['maths']!
    expect(offset).toBeGreaterThan(0)
    expect(store.get().threshold).toBe(64)
    const [entry] = await overrides.audit.list()
    expect(entry).toMatchObject({
      id: result.auditId,
      actor: 'optimize',
      patchBefore: { threshold: 64 },
      patchAfter: { threshold: 64, clusterOffsets: { maths: offset } },
    })
    expect(entry!.reason).toMatch(/^Optimize Load: cluster "maths" 0 → \d/)
  })

  it('Revert restores the exact previous override file and policy, byte for byte', async () => {
    const { file, handWritten, store, overrides, service } = await setup([maths, chat])
    const before = JSON.stringify(store.get())
    await service.apply()
    expect(readFileSync(file, 'utf8')).not.toBe(handWritten)
    const { reverted } = await service.revert()
    expect(readFileSync(file, 'utf8')).toBe(handWritten)
    expect(JSON.stringify(store.get())).toBe(before)
    // The revert itself is audited, by optimize, naming what it undid.
    const [last] = await overrides.audit.list(1)
    expect(last).toMatchObject({ actor: 'optimize', reason: expect.stringMatching(new RegExp(`^revert ${reverted} `)) })
  })

  it('Revert with nothing applied says so; Apply with nothing to change writes nothing', async () => {
    const { overrides, service } = await setup([chat])
    await expect(service.revert()).rejects.toThrow(/applied nothing to revert/)
    expect(await service.apply()).toMatchObject({ applied: false, auditId: null })
    expect(await overrides.audit.list()).toEqual([])
  })

  it('applied runs move the cluster cloudward, then drift it back once the failures stop', async () => {
    const { store, service, setRows } = await setup([maths, chat])
    await service.apply()
    await service.apply()
    const peak = store.get().clusterOffsets['maths']!
    expect(peak).toBeGreaterThan(5)
    expect(peak).toBeLessThanOrEqual(10)
    setRows([{ ...maths, failRate: 0 }, chat])
    await service.apply()
    expect(store.get().clusterOffsets['maths']).toBe(peak - 2)
  })
})
