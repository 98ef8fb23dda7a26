import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../../e2e/doubles/ollama-double'
import { probeScript } from '../../../../test/support/probe-script'
import { OllamaBridge } from '../../ollama/bridge'
import { PROBE_RESULTS_FILE } from './probe-results-file'
import { interleaveByCluster, runProbe, type ProbeChat } from './probe-runner'
import { ProbeService } from './probe-service'
import { loadProbeSet, type ProbeItem } from './probe-set'

const item = (id: string, cluster: string): ProbeItem => ({
  id,
  cluster,
  prompt: `${id}?`,
  check: { kind: 'number', value: 1, tolerance: 0 },
  reference: '1',
  wrong: '2',
})
const model = { name: 'm:3b', digest: 'd1', modifiedAt: null }
const home = () => mkdtempSync(join(tmpdir(), 'routellm-probe-'))

describe('runProbe (a scripted chat, a fake clock)', () => {
  afterEach(() => vi.useRealTimers())

  it('interleaves the clusters so a run cut short still covers each of them', () => {
    const items = [item('a1', 'a'), item('a2', 'a'), item('a3', 'a'), item('b1', 'b'), item('c1', 'c'), item('c2', 'c')]
    expect(interleaveByCluster(items).map((i) => i.id)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3'])
  })

  it('counts passes per cluster and reports each probe as progress', async () => {
    const chat: ProbeChat = async ({ prompt }) => (prompt.startsWith('a') ? '1' : 'I think 2')
    const progress: string[] = []
    const run = await runProbe({
      chat,
      model,
      items: [item('a1', 'a'), item('a2', 'a'), item('b1', 'b')],
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.itemId} ${p.passed} ${p.note}`),
    })
    expect(run.cutShort).toBeNull()
    expect(run.results).toMatchObject({
      model: 'm:3b',
      digest: 'd1',
      partial: false,
      clusters: [
        { cluster: 'a', passed: 2, run: 2, skipped: 0 },
        { cluster: 'b', passed: 0, run: 1, skipped: 0 },
      ],
    })
    expect(progress).toEqual(['1/3 a1 true answered 1', '2/3 b1 false answered 2, expected 1', '3/3 a2 true answered 1'])
  })

  it('a probe with no answer within its timeout fails; the run goes on (fake timers)', async () => {
    vi.useFakeTimers()
    let aborted = false
    const chat: ProbeChat = ({ prompt, signal }) =>
      prompt.startsWith('slow')
        ? new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))))
        : Promise.resolve('1')
    const pending = runProbe({ chat, model, items: [item('quick', 'a'), item('slow', 'b'), item('after', 'a')], itemTimeoutMs: 5_000, loadTimeoutMs: 0 })
    await vi.advanceTimersByTimeAsync(5_000)
    const run = await pending
    expect(aborted).toBe(true)
    expect(run.results.clusters).toEqual([
      { cluster: 'a', passed: 2, run: 2, skipped: 0 },
      { cluster: 'b', passed: 0, run: 1, skipped: 0 },
    ])
  })

  it('stays within its time budget: probes that no longer fit are skipped, not failed', async () => {
    let clock = 0
    // Every answer takes 30 s of the (fake) clock; the budget is 100 s.
    const chat: ProbeChat = async () => ((clock += 30_000), '1')
    const items = ['a', 'b', 'c'].flatMap((c) => [item(`${c}1`, c), item(`${c}2`, c)])
    const run = await runProbe({ chat, model, items, budgetMs: 100_000, now: () => clock })
    expect(run.cutShort).toBe('out of time')
    expect(run.results.partial).toBe(true)
    expect(run.results.clusters.map((c) => [c.cluster, c.run, c.skipped])).toEqual([
      ['a', 2, 0],
      ['b', 1, 1],
      ['c', 1, 1],
    ])
  })

  it('stops when its signal aborts: the answer in flight is abandoned, the rest skipped', async () => {
    const controller = new AbortController()
    let calls = 0
    const chat: ProbeChat = ({ signal }) => {
      calls++
      if (calls === 2) controller.abort()
      return calls === 2 ? new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) : Promise.resolve('1')
    }
    const run = await runProbe({ chat, model, items: [item('a1', 'a'), item('a2', 'a'), item('a3', 'a')], signal: controller.signal })
    expect(calls).toBe(2)
    expect(run.cutShort).toBe('stopped')
    expect(run.results.clusters).toEqual([{ cluster: 'a', passed: 1, run: 1, skipped: 2 }])
  })
})

describe('ProbeService through the Ollama bridge and the real ollama client', () => {
  let ollama: OllamaDouble
  beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:3b', 'nomic-embed-text'], script: probeScript(['maths']) })
  })
  afterAll(() => ollama.close())

  it('runs the whole bundled set at temperature 0 with a token cap, stores per-cluster pass rates with the model build', async () => {
    const dataDir = home()
    const service = new ProbeService({ bridge: new OllamaBridge({ hosts: [ollama.url] }), dataDir })
    const chatsBefore = ollama.requestsTo('/api/chat').length
    const run = await service.run()
    const set = await loadProbeSet()
    const chats = ollama.requestsTo('/api/chat').slice(chatsBefore)
    expect(chats).toHaveLength(set.items.length)
    for (const r of chats) expect(r.body).toMatchObject({ model: 'llama3.2:3b', stream: false, options: { temperature: 0, num_predict: 64 } })
    const maths = run.results.clusters.find((c) => c.cluster === 'maths')
    expect(maths).toEqual({ cluster: 'maths', passed: 0, run: 8, skipped: 0 })
    for (const c of run.results.clusters.filter((c) => c.cluster !== 'maths')) expect(c.passed).toBe(c.run)
    const stored = JSON.parse(readFileSync(join(dataDir, PROBE_RESULTS_FILE), 'utf8')) as { model: string; digest: string }
    expect(stored).toMatchObject({ model: 'llama3.2:3b', digest: expect.stringMatching(/^[0-9a-f]{64}$/) })
    // The pass rates are the router's offsets at once: maths moves cloudward, small talk stays.
    expect(service.offsets.offsets('maths')).toEqual([{ points: 20, source: 'probe', reason: 'the local model (llama3.2:3b) passed 0 of 8 maths probes' }])
    expect(service.offsets.offsets('small-talk')).toEqual([])
    // A new service on the same folder starts from the stored results.
    expect(new ProbeService({ bridge: new OllamaBridge({ hosts: [ollama.url] }), dataDir }).offsets.offsets('maths')).toHaveLength(1)
  })

  it('a host follows results another process saved (routellm probe beside serve)', async () => {
    const dataDir = home()
    const host = new ProbeService({ bridge: new OllamaBridge({ hosts: [ollama.url] }), dataDir })
    expect(await host.follow()).toBe(false)
    await new ProbeService({ bridge: new OllamaBridge({ hosts: [ollama.url] }), dataDir }).run()
    expect(host.offsets.offsets('maths')).toEqual([])
    expect(await host.follow()).toBe(true)
    expect(host.offsets.offsets('maths')).toHaveLength(1)
    expect(host.status().offsets).toEqual([{ cluster: 'maths', points: 20, reason: 'the local model (llama3.2:3b) passed 0 of 8 maths probes' }])
  })

  it('re-runs when the local model changes (a new digest), not when it is the same build, and not before a first run', async () => {
    const dataDir = home()
    const service = new ProbeService({ bridge: new OllamaBridge({ hosts: [ollama.url] }), dataDir })
    expect(await service.recheckModel()).toBe(false) // never run: nothing automatic
    await service.run()
    const first = service.results!
    expect(await service.recheckModel()).toBe(false)
    ollama.setModels([{ name: 'llama3.2:3b', digest: 'a'.repeat(64), modifiedAt: '2026-03-01T00:00:00Z' }])
    ollama.script = probeScript([]) // the new build passes maths too
    try {
      expect(await service.recheckModel()).toBe(true)
      await service.idle()
      expect(service.results).toMatchObject({ model: 'llama3.2:3b', digest: 'a'.repeat(64), modifiedAt: '2026-03-01T00:00:00.000Z' })
      expect(service.results!.startedAt >= first.startedAt).toBe(true)
      expect(service.offsets.offsets('maths')).toEqual([])
    } finally {
      ollama.setModels(['llama3.2:3b', 'nomic-embed-text'])
      ollama.script = probeScript(['maths'])
    }
  })

  it('a stopped run saves nothing; start twice runs once; a missing model is a clear error', async () => {
    const dataDir = home()
    const statuses: string[] = []
    const service = new ProbeService({ bridge: new OllamaBridge({ hosts: [ollama.url] }), dataDir, onStatus: (s) => statuses.push(s.state) })
    const started = await service.start()
    expect(started).toMatchObject({ state: 'running', error: null })
    expect((await service.start()).state).toBe('running')
    expect(service.stop().state).toBe('stopping')
    await service.idle()
    expect(service.status()).toMatchObject({ state: 'idle', results: null, error: null })
    expect(statuses.at(-1)).toBe('idle')
    const missing = await service.start('nope:7b')
    expect(missing).toMatchObject({ state: 'idle', error: 'model "nope:7b" is not installed in Ollama (installed: llama3.2:3b, nomic-embed-text:latest)' })
  })
})
