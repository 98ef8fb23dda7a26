import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { createSemanticPillar, REEMBED_RETRY_MAX_MS, REEMBED_RETRY_MS, type SemanticPillar } from '../pillars/semantic'
import { createEmbedder, type Embedder } from '../semantic/embedder'
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

describe('a re-embed that fails while older clusters are in force', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-clusters-retry-'))
  const file = userClustersFileOf(dataDir)
  const clock = { t: 1_700_000_000_000 }
  const now = () => clock.t
  /** While set, embedding the new cluster's utterances fails, as an embedder out of file handles would. */
  let failing = true
  /** How many times the new cluster's utterances were sent to the embedder: one per re-embed try. */
  let tries = 0
  const logged: string[] = []
  let pillar: SemanticPillar
  let watch: ClustersFileWatch
  const nearest = async () => {
    const v = await pillar.evaluate({ prompt: PROMPT, tokens: 12, policy: DEFAULT_POLICY })
    return (v.detail as { nearest: { id: string } | null } | undefined)?.nearest?.id ?? null
  }
  const failingOn =
    (utterance: string) =>
    (real: Embedder): Embedder => ({
      modelId: real.modelId,
      get model() {
        return real.model
      },
      load: () => real.load(),
      embed: async (texts, o) => {
        if (texts.includes(utterance)) {
          tries++
          if (failing) throw new Error('EMFILE: too many open files')
        }
        return real.embed(texts, o)
      },
      cacheStats: () => real.cacheStats(),
      clearCache: () => real.clearCache(),
      dispose: () => real.dispose(),
    })

  beforeAll(async () => {
    const forms = officeForms('office-forms')
    pillar = createSemanticPillar({
      userClustersFile: file,
      userModelsDir: join(dataDir, 'models'),
      embedderFactory: (o) => failingOn(forms.clusters[0]!.utterances[0]!)(createEmbedder(o)),
      now,
    })
    await pillar.warmup()
    watch = watchClustersFile({
      file,
      store: pillar.store,
      reload: () => pillar.reloadClusters(),
      reembed: () => pillar.status(),
      now,
      log: (l) => logged.push(l),
    })
    await watch.check() // after the watch's first read of the file, so the edit below is one it has not seen
  })
  afterAll(async () => {
    watch.close()
    await pillar.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('keeps the old clusters without a try per decision, retries after a growing delay, and says when', async () => {
    writeFileSync(file, JSON.stringify(officeForms('office-forms')))
    await watch.check()
    expect(tries).toBe(1)
    expect(logged.at(-1)).toMatch(/clusters\.json: re-embedding failed \(EMFILE/)
    // Decisions keep the clusters in force and start no other try before the back-off ends.
    for (let i = 0; i < 5; i++) expect(await nearest()).not.toBe('office-forms')
    await pillar.warmup()
    expect(tries).toBe(1)
    const firstRetry = clock.t + REEMBED_RETRY_MS
    expect(watch.problem()).toEqual({
      file: 'clusters.json',
      message: `clusters.json: re-embedding the clusters failed (EMFILE: too many open files). The clusters in use before stay in force; the next try starts with the first decision after ${new Date(firstRetry).toISOString()} (in 5 s).`,
    })

    // Once it ends, one decision starts one try; it fails again, and the wait doubles.
    clock.t = firstRetry
    await nearest()
    await nearest()
    await pillar.warmup()
    expect(tries).toBe(2)
    expect(pillar.status().retryAt).toBe(clock.t + 2 * REEMBED_RETRY_MS)
    expect(watch.problem()?.message).toMatch(/\(in 10 s\)\.$/)

    // The cause goes away: the next try after the wait succeeds, and the problem clears.
    failing = false
    clock.t += 2 * REEMBED_RETRY_MS - 1
    await nearest()
    await pillar.warmup()
    expect(tries).toBe(2)
    clock.t += 1
    await nearest()
    await pillar.warmup()
    expect(tries).toBe(3)
    expect(await nearest()).toBe('office-forms')
    expect(watch.problem()).toBeNull()
    expect(pillar.status()).toMatchObject({ state: 'ready', error: null, retryAt: null })
  })

  it('waits at most REEMBED_RETRY_MAX_MS between tries, however many failed', async () => {
    failing = true
    writeFileSync(file, JSON.stringify(officeForms('tps-forms')))
    await watch.check()
    const waits: number[] = []
    for (let i = 0; i < 10; i++) {
      const { retryAt } = pillar.status()
      waits.push(retryAt! - clock.t)
      clock.t = retryAt!
      await nearest()
      await pillar.warmup()
    }
    expect(waits.slice(0, 3)).toEqual([REEMBED_RETRY_MS, 2 * REEMBED_RETRY_MS, 4 * REEMBED_RETRY_MS])
    expect(Math.max(...waits)).toBe(REEMBED_RETRY_MAX_MS)
    expect(waits.at(-1)).toBe(REEMBED_RETRY_MAX_MS)
  })
})
