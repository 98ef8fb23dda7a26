import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ClusterStore, defaultClustersFile, loadClusterFile, loadUserClusterFile, mergeClusters } from './clusters'

const defaultsFile = defaultClustersFile()

describe('shipped default clusters', () => {
  it('are valid, named, tiered, and cover both tiers with enough examples', async () => {
    const file = await loadClusterFile(defaultsFile)
    const ids = file.clusters.map((c) => c.id)
    expect(ids).toEqual(
      expect.arrayContaining(['coding', 'maths', 'reasoning', 'long-document', 'small-talk', 'rewriting', 'translation', 'simple-facts', 'short-creative']),
    )
    for (const tier of ['local', 'cloud'] as const) expect(file.clusters.filter((c) => c.tier === tier).length).toBeGreaterThanOrEqual(5)
    for (const c of file.clusters) {
      expect(c.utterances.length, c.id).toBeGreaterThanOrEqual(10)
      expect(new Set(c.utterances).size, `${c.id} has duplicate utterances`).toBe(c.utterances.length)
    }
  })

  // The dev set is for measuring, never for the product: no prompt, nor any 8-word run of one.
  const dev = path.resolve(path.dirname(defaultsFile), '../../../shared/data/routing-dev.jsonl')
  it.skipIf(!existsSync(dev))('share no wording with the development set', async () => {
    const words = (s: string) => s.toLowerCase().match(/[a-z0-9']+/g) ?? []
    const shingles = (s: string) => {
      const w = words(s)
      const out = new Set<string>()
      for (let i = 0; i + 8 <= w.length; i++) out.add(w.slice(i, i + 8).join(' '))
      return out
    }
    const devShingles = new Set<string>()
    const devPrompts = new Set<string>()
    for (const line of (await readFile(dev, 'utf8')).split('\n')) {
      if (!line.trim()) continue
      const p = (JSON.parse(line) as { prompt: string }).prompt
      devPrompts.add(words(p).join(' '))
      for (const s of shingles(p)) devShingles.add(s)
    }
    const file = await loadClusterFile(defaultsFile)
    for (const c of file.clusters) {
      for (const u of c.utterances) {
        expect(devPrompts.has(words(u).join(' ')), `copied: ${u}`).toBe(false)
        for (const s of shingles(u)) expect(devShingles.has(s), `"${s}" (from "${u}") appears in the dev set`).toBe(false)
      }
    }
  })
})

describe('cluster store', () => {
  let dir: string
  let store: ClusterStore
  let userFile: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'routellm-clusters-'))
    userFile = path.join(dir, 'clusters.json')
    store = new ClusterStore({ defaultsFile, userFile })
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('starts with the defaults when the user has no file', async () => {
    const list = await store.list()
    expect(list.length).toBe((await loadClusterFile(defaultsFile)).clusters.length)
    expect(list.every((c) => c.origin === 'default')).toBe(true)
  })

  it('adds and removes utterances, copying a default on first edit', async () => {
    let changes = 0
    store.onChange(() => changes++)
    const after = await store.addUtterance('translation', 'Say "good luck" in Finnish.')
    const t = after.find((c) => c.id === 'translation')!
    expect(t.origin).toBe('edited-default')
    expect(t.utterances.at(-1)).toBe('Say "good luck" in Finnish.')
    const saved = await loadUserClusterFile(userFile)
    expect(saved.clusters.map((c) => c.id)).toEqual(['translation'])
    await store.removeUtterance('translation', 'Say "good luck" in Finnish.')
    expect((await store.list()).find((c) => c.id === 'translation')!.utterances).not.toContain('Say "good luck" in Finnish.')
    expect(changes).toBe(2)
    expect(store.revision).toBe(2)
  })

  it('adds user clusters, disables and resets defaults', async () => {
    await store.upsertCluster({ id: 'company-jargon', name: 'Company jargon', tier: 'local', threshold: 0.8, utterances: ['What does TPS report mean here?'] })
    await store.removeCluster('small-talk')
    let list = await store.list()
    expect(list.find((c) => c.id === 'company-jargon')).toMatchObject({ origin: 'user', threshold: 0.8 })
    expect(list.some((c) => c.id === 'small-talk')).toBe(false)
    await store.resetCluster('small-talk')
    await store.removeCluster('company-jargon')
    list = await store.list()
    expect(list.some((c) => c.id === 'small-talk')).toBe(true)
    expect(list.some((c) => c.id === 'company-jargon')).toBe(false)
  })

  it('does not lose concurrent edits', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.addUtterance('maths', `What is ${i} squared plus ${i}?`)))
    const maths = (await store.list()).find((c) => c.id === 'maths')!
    for (let i = 0; i < 8; i++) expect(maths.utterances).toContain(`What is ${i} squared plus ${i}?`)
  })

  it('refuses bad edits with a reason', async () => {
    await expect(store.addUtterance('no-such-cluster', 'hello')).rejects.toThrow(/no cluster "no-such-cluster"/)
    await expect(store.addUtterance('maths', '   ')).rejects.toThrow(/empty/)
    await expect(store.removeUtterance('maths', 'never there')).rejects.toThrow(/has no utterance/)
    await expect(store.upsertCluster({ id: 'Bad Id', name: 'x', tier: 'local', utterances: ['a'] })).rejects.toThrow()
    await expect(new ClusterStore({ defaultsFile }).addUtterance('maths', 'x')).rejects.toThrow(/read-only/)
  })

  it('a broken user file gives way to the built-in clusters, is reported by name, and is never overwritten', async () => {
    const builtIn = await new ClusterStore({ defaultsFile }).list()
    const broken = '{"version": 1, "clusters": [{"id": "x"}]}'
    await writeFile(userFile, broken)
    expect(await store.list()).toEqual(builtIn)
    expect(store.problem()?.message).toMatch(/clusters\.json is invalid: clusters\.0\..*Using the built-in clusters until the file is fixed/)
    await expect(store.addUtterance('maths', 'What is 3 cubed?')).rejects.toThrow(/clusters\.json is invalid/)
    expect(await readFile(userFile, 'utf8')).toBe(broken)
    await writeFile(userFile, '{"version": 1}')
    await store.list()
    expect(store.problem()).toBeNull()
  })

  it('merges: an edited default replaces the default in place', () => {
    const merged = mergeClusters(
      [
        { id: 'a', name: 'A', tier: 'local', utterances: ['x'] },
        { id: 'b', name: 'B', tier: 'cloud', utterances: ['y'] },
      ],
      {
        version: 1,
        clusters: [
          { id: 'a', name: 'A2', tier: 'cloud', utterances: ['z'] },
          { id: 'c', name: 'C', tier: 'local', utterances: ['w'] },
        ],
        disabled: ['b'],
      },
    )
    expect(merged.map((c) => [c.id, c.name, c.origin])).toEqual([
      ['a', 'A2', 'edited-default'],
      ['c', 'C', 'user'],
    ])
  })
})
