import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContractError } from '../../../shared/client'
import { contract } from '../../../shared/contract'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { dispatch } from '../lib/contract-dispatch'
import { createHandlers } from '../handlers'
import { MemoryKeyStore } from '../../../test/support/memory-key-store'
import { createSemanticPillar, type SemanticPillar } from '../pillars/semantic'
import { ClusterStore, defaultClustersFile, userClustersFileOf } from '../semantic/clusters'
import { createServices, type Services } from '../services'
import { createClusterService } from './cluster-service'

type Overview = {
  clusters: Array<{ id: string; source: string; edited: boolean; utteranceCount: number; threshold: number | null; effectiveThreshold: number; tier: string }>
  disabled: string[]
  editable: boolean
  model: string
  semantic: { state: string; utterances: number; clusters: number } | null
}
type Change = {
  cluster: { id: string; source: string; edited: boolean; utteranceCount: number; utterances: string[] } | null
  semantic: { state: string; utterances: number; clusters: number } | null
}

const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as ContractError).code

describe('clusters.* channels (handlers over a real semantic pillar, temp data folder)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-clusters-'))
  const userFile = userClustersFileOf(dataDir)
  let pillar: SemanticPillar
  let handlers: ReturnType<typeof createHandlers>
  const call = (channel: string, input: unknown) => dispatch(handlers, channel, input)
  const policy = { ...DEFAULT_POLICY, semantic: { maxChars: 1500 } }
  const decide = (prompt: string) => pillar.evaluate({ prompt, tokens: 10, policy })

  beforeAll(async () => {
    pillar = createSemanticPillar({ userClustersFile: userFile, settings: () => policy.semantic })
    await pillar.warmup()
    const clusters = createClusterService({ store: pillar.store, pillar, policy: () => policy })
    handlers = createHandlers({ clusters } as unknown as Services)
  })
  afterAll(async () => {
    await pillar.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('clusters.list shows the shipped clusters with tier, counts, source and thresholds', async () => {
    const o = (await call('clusters.list', {})) as Overview
    expect(contract['clusters.list'].output.safeParse(o).success).toBe(true)
    expect(o.editable).toBe(true)
    expect(o.model).toBe('glove-sif-100d')
    expect(o.clusters.length).toBeGreaterThan(5)
    expect(o.clusters.every((c) => c.source === 'default' && !c.edited && c.utteranceCount > 0)).toBe(true)
    expect(new Set(o.clusters.map((c) => c.tier))).toEqual(new Set(['local', 'cloud']))
    // No cluster sets its own threshold: the model's minimum similarity applies.
    expect(o.clusters.every((c) => c.threshold === null && c.effectiveThreshold === 0)).toBe(true)
    expect(o.semantic).toMatchObject({ state: 'ready', clusters: o.clusters.length, utterances: o.clusters.reduce((n, c) => n + c.utteranceCount, 0) })
    expect(existsSync(userFile)).toBe(false) // listing writes nothing
  })

  it('clusters.addUtterance copies a default into the user file, and the pillar re-embeds before it returns', async () => {
    const before = ((await call('clusters.list', {})) as Overview).semantic!.utterances
    const talk = (await call('clusters.get', { id: 'small-talk' })) as { utterances: string[]; utteranceCount: number }
    const change = (await call('clusters.addUtterance', { clusterId: 'small-talk', text: '  what a lovely sunny morning it is  ' })) as Change
    expect(contract['clusters.addUtterance'].output.safeParse(change).success).toBe(true)
    expect(change.cluster).toMatchObject({ id: 'small-talk', source: 'default', edited: true, utteranceCount: talk.utteranceCount + 1 })
    expect(change.cluster!.utterances.at(-1)).toBe('what a lovely sunny morning it is')
    expect(change.semantic).toMatchObject({ state: 'ready', utterances: before + 1 })
    const saved = JSON.parse(readFileSync(userFile, 'utf8')) as { clusters: Array<{ id: string; utterances: string[] }> }
    expect(saved.clusters.find((c) => c.id === 'small-talk')?.utterances).toContain('what a lovely sunny morning it is')

    const removed = (await call('clusters.removeUtterance', { clusterId: 'small-talk', text: 'what a lovely sunny morning it is' })) as Change
    expect(removed.cluster!.utteranceCount).toBe(talk.utteranceCount)
    expect(removed.semantic!.utterances).toBe(before)
  })

  it('a saved user cluster is used by the very next decision; remove takes it out again', async () => {
    const prompt = 'repot the monstera and trim the fiddle leaf fig'
    const saved = (await call('clusters.save', {
      cluster: { id: 'houseplants', name: 'Houseplant care', tier: 'local', utterances: [prompt, 'water the succulents and mist the ferns'] },
    })) as Change
    expect(saved.cluster).toMatchObject({ id: 'houseplants', source: 'user', edited: false, utteranceCount: 2 })
    const v = await decide(prompt)
    expect(v.status).toBe('scored')
    expect((v.detail?.['nearest'] as { id: string }).id).toBe('houseplants')
    expect(v.reason).toContain('Houseplant care')

    const gone = (await call('clusters.remove', { id: 'houseplants' })) as Change
    expect(gone.cluster).toBeNull()
    expect(((await decide(prompt)).detail?.['nearest'] as { id: string }).id).not.toBe('houseplants')
  })

  it('removing a default turns it off; reset brings it back unedited', async () => {
    await call('clusters.addUtterance', { clusterId: 'translation', text: 'say thank you in Portuguese' })
    const off = (await call('clusters.remove', { id: 'translation' })) as Change
    expect(off.cluster).toBeNull()
    const listed = (await call('clusters.list', {})) as Overview
    expect(listed.disabled).toEqual(['translation'])
    expect(listed.clusters.some((c) => c.id === 'translation')).toBe(false)
    const back = (await call('clusters.reset', { id: 'translation' })) as Change
    expect(back.cluster).toMatchObject({ id: 'translation', source: 'default', edited: false })
    expect(back.cluster!.utterances).not.toContain('say thank you in Portuguese')
    expect(((await call('clusters.list', {})) as Overview).disabled).toEqual([])
  })

  it('refuses bad input before a handler runs, and says what is wrong after', async () => {
    expect(await codeOf(call('clusters.addUtterance', { clusterId: 'Small Talk', text: 'hi' }))).toBe('invalid-input')
    expect(await codeOf(call('clusters.addUtterance', { clusterId: 'small-talk', text: '   ' }))).toBe('invalid-input')
    expect(await codeOf(call('clusters.addUtterance', { clusterId: 'small-talk', text: 'x'.repeat(4001) }))).toBe('invalid-input')
    expect(await codeOf(call('clusters.save', { cluster: { id: 'empty', name: 'Empty', tier: 'local', utterances: [] } }))).toBe('invalid-input')
    expect(await codeOf(call('clusters.save', { cluster: { id: 'x', name: 'X', tier: 'gpu', utterances: ['a'] } }))).toBe('invalid-input')
    // Valid shape, refused by the store: the message travels (a ContractError), not "internal error".
    const missing = (await call('clusters.addUtterance', { clusterId: 'no-such-cluster', text: 'hi' }).catch((e: unknown) => e)) as ContractError
    expect(missing).toBeInstanceOf(ContractError)
    expect(missing.code).toBe('not-found')
    expect(missing.message).toMatch(/no cluster "no-such-cluster"/)
    expect(await codeOf(call('clusters.get', { id: 'no-such-cluster' }))).toBe('not-found')
    const notThere = (await call('clusters.removeUtterance', { clusterId: 'small-talk', text: 'never said this' }).catch((e: unknown) => e)) as ContractError
    expect(notThere.code).toBe('invalid-input')
    expect(notThere.message).toMatch(/has no utterance/)
    await call('clusters.save', { cluster: { id: 'solo', name: 'Solo', tier: 'cloud', utterances: ['only one'] } })
    expect(await codeOf(call('clusters.removeUtterance', { clusterId: 'solo', text: 'only one' }))).toBe('invalid-input')
    await call('clusters.remove', { id: 'solo' })
  })

  it('a store without a user file is read-only and says so', async () => {
    const readOnly = createClusterService({ store: new ClusterStore({ defaultsFile: defaultClustersFile() }), pillar: null, policy: () => policy })
    const h = createHandlers({ clusters: readOnly } as unknown as Services)
    const o = (await dispatch(h, 'clusters.list', {})) as Overview
    expect(o).toMatchObject({ editable: false, semantic: null })
    const e = (await dispatch(h, 'clusters.addUtterance', { clusterId: 'small-talk', text: 'hi' }).catch((x: unknown) => x)) as ContractError
    expect(e.code).toBe('unavailable')
    expect(e.message).toMatch(/read-only/)
  })
})

describe('clusters.* through createServices (the hosts’ wiring)', () => {
  it('edits are possible on a fresh data folder and re-embed in the engine’s own pillar', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'routellm-clusters-services-'))
    const services = await createServices({ host: 'headless', dataDir, keyStore: new MemoryKeyStore(), env: { OLLAMA_HOST: 'http://127.0.0.1:1' } })
    try {
      const handlers = createHandlers(services)
      expect(existsSync(userClustersFileOf(dataDir))).toBe(false)
      const o = (await dispatch(handlers, 'clusters.list', {})) as Overview
      expect(o.editable).toBe(true)
      const change = (await dispatch(handlers, 'clusters.addUtterance', { clusterId: 'coding', text: 'write a tokenizer for a toy lisp' })) as Change
      expect(change.semantic).toMatchObject({ state: 'ready', model: 'glove-sif-100d' })
      expect(existsSync(userClustersFileOf(dataDir))).toBe(true)
      const decision = await services.router.decide('write a tokenizer for a toy lisp')
      const semantic = decision.trace.find((t) => t.pillar === 'semantic')
      expect((semantic?.detail?.['nearest'] as { id: string } | undefined)?.id).toBe('coding')
    } finally {
      await services.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
