import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY, Policy } from '../../../shared/policy'
import { applyOverride, parseOverrideText, parsePolicy, parsePolicyText, type PolicyError } from './index'
import { createPolicyStore, readPolicyFiles, type PolicyStore } from './store'

const TEMPLATES = join(import.meta.dirname, '../../../resources/templates')

function errorOf(raw: unknown): PolicyError {
  const r = parsePolicy(raw, 'policy.json')
  if (r.ok) throw new Error('expected the policy to be rejected')
  return r.error
}

describe('policy validation', () => {
  it('fills every default from just a version', () => {
    const r = parsePolicy({ version: 1 })
    expect(r.ok && r.value).toEqual(DEFAULT_POLICY)
    expect(DEFAULT_POLICY.threshold).toBe(65)
  })

  it('names the bad field in the error', () => {
    expect(errorOf({ version: 1, threshold: 150 }).issues[0]!.path).toBe('threshold')
    expect(errorOf({ version: 2 }).issues[0]!.path).toBe('version')
    expect(errorOf({ version: 1, weights: { semantic: -1 } }).message).toMatch(/^policy\.json: weights\.semantic: /)
    const badRegex = errorOf({ version: 1, rules: { triggers: [{ id: 'x', kind: 'code', label: 'x', weight: 5, pattern: '(unclosed' }] } })
    expect(badRegex.issues[0]).toMatchObject({ path: 'rules.triggers[0].pattern', message: expect.stringContaining('not a valid regular expression') })
    expect(errorOf({ version: 1, bandit: { strategy: 'ucb' } }).issues[0]!.path).toBe('bandit.strategy')
  })

  it('rejects unknown keys so typos are not silently ignored', () => {
    expect(errorOf({ version: 1, treshold: 70 }).issues[0]).toMatchObject({ path: 'treshold', message: expect.stringMatching(/unrecognized/i) })
  })

  it('never lets epsilon during warm-up drop under 0.1', () => {
    expect(errorOf({ version: 1, bandit: { epsilon: { warmup: 0.05 } } }).issues[0]!.path).toBe('bandit.epsilon.warmup')
  })

  it('checks the semantic section with the semantic pillar’s schema', () => {
    expect(errorOf({ version: 1, semantic: { topK: 0 } }).issues[0]!.path).toBe('semantic.topK')
    expect(parsePolicy({ version: 1, semantic: { topK: 5 } }).ok).toBe(true)
  })

  it('reports broken JSON as such', () => {
    const r = parsePolicyText('{"version": 1,', 'p.json')
    expect(!r.ok && r.error.message).toMatch(/^p\.json: not valid JSON/)
  })

  it('ships a policy template equal to the built-in defaults, and valid threshold templates', () => {
    const template = parsePolicyText(readFileSync(join(TEMPLATES, 'policy.json'), 'utf8'))
    expect(template.ok && template.value).toEqual(DEFAULT_POLICY)
    for (const name of ['threshold-override.json', 'threshold-cost-saver.json', 'threshold-quality-first.json']) {
      expect(parseOverrideText(readFileSync(join(TEMPLATES, name), 'utf8'), name).ok, name).toBe(true)
    }
  })
})

describe('threshold overrides', () => {
  const fitted = { center: 0.02, scale: 0.01, minSimilarity: 0, confidenceMargin: 0.03, calibratedAt: '2025-01-01T00:00:00.000Z' }

  it('read a threshold-only file as the equivalent patch, layered over the policy keeping its other semantic settings', () => {
    const base = Policy.parse({ version: 1, semantic: { maxChars: 1500, thresholds: { other: fitted } } })
    const override = parseOverrideText(JSON.stringify({ version: 1, threshold: 70, semanticThresholds: { 'glove-sif-100d': fitted } }))
    if (!override.ok) throw override.error
    expect(override.value.patch).toEqual({ threshold: 70, semantic: { thresholds: { 'glove-sif-100d': fitted } } })
    const p = applyOverride(base, override.value)
    if (!p.ok) throw p.error
    expect(p.value.threshold).toBe(70)
    expect(p.value.semantic).toEqual({ maxChars: 1500, thresholds: { other: fitted, 'glove-sif-100d': fitted } })
    expect(parsePolicy(p.value).ok).toBe(true)
  })

  it('reject semantic thresholds the semantic schema does not accept, naming the field', () => {
    const r = parseOverrideText(JSON.stringify({ version: 1, threshold: 60, semanticThresholds: { m: { ...fitted, scale: -1 } } }), 'o.json')
    expect(!r.ok && r.error.issues[0]!.path).toBe('semanticThresholds.m.scale')
  })
})

describe('policy store', () => {
  let store: PolicyStore | undefined
  afterEach(() => store?.close())

  const dir = () => mkdtempSync(join(tmpdir(), 'routellm-policy-'))
  const write = (file: string, value: unknown) => writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value))
  /** Writes like an editor does: a new file renamed over the old one. */
  const save = (file: string, value: unknown) => {
    write(`${file}.swp`, value)
    renameSync(`${file}.swp`, file)
  }
  const waitFor = async (check: () => boolean, ms = 3000) => {
    const t0 = Date.now()
    while (!check()) {
      if (Date.now() - t0 > ms) throw new Error('timed out waiting')
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  it('runs on the defaults when there is no file', async () => {
    store = await createPolicyStore({ file: join(dir(), 'policy.json'), watch: false })
    expect(store.get()).toEqual(DEFAULT_POLICY)
    expect(store.lastError()).toBeNull()
  })

  it('hot-reloads a changed file', async () => {
    const file = join(dir(), 'policy.json')
    write(file, { version: 1, threshold: 60 })
    const changes: Policy[] = []
    store = await createPolicyStore({ file, debounceMs: 20, onChange: (p) => changes.push(p) })
    expect(store.get().threshold).toBe(60)
    save(file, { version: 1, threshold: 70 })
    await waitFor(() => store!.get().threshold === 70)
    expect(changes.at(-1)!.threshold).toBe(70)
  })

  it('keeps the last good policy when the file turns bad, and reports the field', async () => {
    const file = join(dir(), 'policy.json')
    write(file, { version: 1, threshold: 60 })
    const errors: PolicyError[] = []
    store = await createPolicyStore({ file, debounceMs: 20, onError: (e) => errors.push(e) })
    save(file, { version: 1, threshold: 'high' })
    await waitFor(() => errors.length > 0)
    expect(errors[0]!.issues[0]!.path).toBe('threshold')
    expect(store.get().threshold).toBe(60)
    save(file, '{ not json')
    await waitFor(() => errors.length > 1)
    expect(store.get().threshold).toBe(60)
    rmSync(file)
    expect(await store.reload()).toBe(true)
    expect(store.get().threshold).toBe(60)
  })

  it('starts on the defaults, with the error reported, when the file is bad from the start', async () => {
    const file = join(dir(), 'policy.json')
    write(file, { version: 1, rules: { safeList: { patterns: [{ id: 'x', kind: 'greeting', pattern: '[', maxTokens: 5 }] } } })
    const errors: PolicyError[] = []
    store = await createPolicyStore({ file, watch: false, onError: (e) => errors.push(e) })
    expect(store.get()).toEqual(DEFAULT_POLICY)
    expect(errors[0]!.issues[0]!.path).toBe('rules.safeList.patterns[0].pattern')
    expect(store.lastError()).toBe(errors[0])
  })

  it('at start, a damaged policy.json gives way to its last good copy (.bak), and says so', async () => {
    const d = dir()
    const file = join(d, 'policy.json')
    write(file, { version: 1, threshold: 58 })
    store = await createPolicyStore({ file, watch: false })
    store.close()
    expect(JSON.parse(readFileSync(`${file}.bak`, 'utf8'))).toEqual({ version: 1, threshold: 58 })
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 10))
    const kept: string[] = []
    store = await createPolicyStore({ file, watch: false, onError: (_e, k) => kept.push(k) })
    expect(store.get().threshold).toBe(58)
    expect(kept).toEqual(['the last good copy (policy.json.bak)'])
    expect(store.lastError()?.file).toBe(file)
  })

  it('at start, a damaged threshold override with no good copy is not applied, and says so', async () => {
    const d = dir()
    const overrideFile = join(d, 'threshold-override.json')
    writeFileSync(overrideFile, '{"version": 1, "threshold": ')
    const kept: string[] = []
    store = await createPolicyStore({ file: null, overrideFile, watch: false, onError: (_e, k) => kept.push(k) })
    expect(store.get().threshold).toBe(DEFAULT_POLICY.threshold)
    expect(kept).toEqual(['no override (no good copy was found)'])
  })

  it('layers a threshold override over the policy, and drops it when the file goes', async () => {
    const d = dir()
    const file = join(d, 'policy.json')
    const overrideFile = join(d, 'threshold-override.json')
    write(file, { version: 1, threshold: 60, weights: { judge: 0 } })
    write(overrideFile, { version: 1, threshold: 72.5 })
    store = await createPolicyStore({ file, overrideFile, debounceMs: 20 })
    expect(store.get()).toMatchObject({ threshold: 72.5, weights: { judge: 0 } })
    expect(store.base().threshold).toBe(60)
    rmSync(overrideFile)
    await waitFor(() => store!.get().threshold === 60)
    expect(store.override()).toBeNull()
  })

  it('ignores a bad override and keeps the last good one', async () => {
    const d = dir()
    const overrideFile = join(d, 'threshold-override.json')
    write(overrideFile, { version: 1, threshold: 70 })
    const errors: PolicyError[] = []
    store = await createPolicyStore({ file: null, overrideFile, watch: false, onError: (e) => errors.push(e) })
    write(overrideFile, { version: 1, threshold: 700 })
    expect(await store.reload()).toBe(false)
    expect(store.get().threshold).toBe(70)
    expect(errors[0]!.issues[0]!.path).toBe('threshold')
  })
})

describe('reading the policy files once (CLI engine commands, doctor)', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'routellm-policy-once-'))

  it('reads like a host at start: a damaged file gives way to its .bak, a damaged override with none to no override', async () => {
    const d = dir()
    const file = join(d, 'policy.json')
    const overrideFile = join(d, 'threshold-override.json')
    writeFileSync(`${file}.bak`, JSON.stringify({ version: 1, threshold: 52 }))
    writeFileSync(file, '{"version": 1, "threshold": ')
    writeFileSync(overrideFile, '{"version": 1, "patch": {')
    const read = await readPolicyFiles({ file, overrideFile })
    expect(read.policy.threshold).toBe(52)
    expect(read.override).toBeNull()
    expect(read.problems.map(({ error, kept, fallback }) => ({ file: error.file, kept, fallback }))).toEqual([
      { file, kept: 'the last good copy (policy.json.bak)', fallback: 'backup' },
      { file: overrideFile, kept: 'no override (no good copy was found)', fallback: 'none' },
    ])
  })

  it('changes nothing in the folder: no .bak is written beside a good file', async () => {
    const d = dir()
    const file = join(d, 'policy.json')
    writeFileSync(file, JSON.stringify({ version: 1, threshold: 61 }))
    const read = await readPolicyFiles({ file, overrideFile: null })
    expect(read).toMatchObject({ policy: { threshold: 61 }, problems: [] })
    expect(readdirSync(d)).toEqual(['policy.json'])
  })
})
