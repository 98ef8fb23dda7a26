import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { createSemanticPillar, type SemanticPillar } from '../pillars/semantic'
import { userClustersFileOf } from '../semantic/clusters'
import { watchClustersFile, type ClustersFileWatch } from './clusters-file-watch'

const PROMPT = 'Fill in the quarterly TPS cover sheet for the Initech audit.'
const officeForms = (id: string) => ({
  version: 1,
  clusters: [{ id, name: 'Office forms', tier: 'cloud', utterances: ['Fill in the TPS report cover sheet.', 'Complete the Initech audit form.'] }],
  disabled: [],
})

describe('clusters.json edited outside the app, with the host running', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-clusters-watch-'))
  const file = userClustersFileOf(dataDir)
  let pillar: SemanticPillar
  let watch: ClustersFileWatch
  let reloads = 0
  const nearest = async () => {
    const v = await pillar.evaluate({ prompt: PROMPT, tokens: 12, policy: DEFAULT_POLICY })
    return (v.detail as { nearest: { id: string } | null } | undefined)?.nearest?.id ?? null
  }

  beforeAll(async () => {
    pillar = createSemanticPillar({ userClustersFile: file, userModelsDir: join(dataDir, 'models') })
    await pillar.warmup()
    watch = watchClustersFile({
      file,
      store: pillar.store,
      reload: async () => {
        reloads++
        await pillar.reloadClusters()
      },
      debounceMs: 20,
    })
  })
  afterAll(async () => {
    watch.close()
    await pillar.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('notices a valid edit through the folder watch and routes with the new clusters once they are embedded', async () => {
    expect(await nearest()).not.toBe('office-forms')
    writeFileSync(file, JSON.stringify(officeForms('office-forms')))
    await vi.waitFor(async () => expect(await nearest()).toBe('office-forms'), { timeout: 60_000, interval: 50 })
    expect(watch.problem()).toBeNull()
  })

  it('keeps the clusters in force when the new file is invalid, and names the bad fields', async () => {
    const before = reloads
    writeFileSync(file, JSON.stringify({ version: 1, clusters: [{ id: 'office-forms', tier: 'remote', utterances: [] }] }))
    await watch.check()
    expect(reloads).toBe(before)
    expect(watch.problem()).toEqual({
      file: 'clusters.json',
      message: expect.stringMatching(
        /clusters\.json is invalid: clusters\.0\.name: .*clusters\.0\.tier: .*The clusters in use before the change stay in force/,
      ),
    })
    expect(await nearest()).toBe('office-forms')
    // The dashboard's list shows the same clusters the router uses, and the same problem.
    expect((await pillar.store.list()).map((c) => c.id)).toContain('office-forms')
    expect(pillar.store.problem()?.message).toMatch(/The clusters in use before the change stay in force/)
  })

  it('clears the problem and re-embeds when the file is fixed', async () => {
    writeFileSync(file, JSON.stringify(officeForms('tps-forms')))
    await watch.check()
    expect(watch.problem()).toBeNull()
    expect(await nearest()).toBe('tps-forms')
  })

  it('does not re-embed the app’s own edits a second time (the cluster service already did)', async () => {
    const before = reloads
    await pillar.store.addUtterance('tps-forms', 'Staple the cover sheet to the audit report.')
    await watch.check()
    expect(reloads).toBe(before)
  })
})
