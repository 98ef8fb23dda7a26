import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defaultClustersFile } from '../../semantic/clusters'
import { checkAnswer, lastNumber, loadProbeSet, ProbeSet } from './probe-set'

describe('the bundled probe set', async () => {
  const set = await loadProbeSet()
  const clusterIds = new Set((JSON.parse(readFileSync(defaultClustersFile(), 'utf8')) as { clusters: Array<{ id: string }> }).clusters.map((c) => c.id))

  it('holds 40–80 items, each tagged with a cluster of the default cluster file, and states its licence', () => {
    expect(set.items.length).toBeGreaterThanOrEqual(40)
    expect(set.items.length).toBeLessThanOrEqual(80)
    expect(set.licence).toMatch(/MIT/)
    expect(set.items.filter((i) => !clusterIds.has(i.cluster)).map((i) => i.id)).toEqual([])
    // Both tiers are covered, so a self-check can move some clusters and leave others.
    const clusters = new Set(set.items.map((i) => i.cluster))
    for (const needed of ['maths', 'arithmetic', 'classification', 'small-talk']) expect(clusters).toContain(needed)
  })

  it.each(set.items.map((i) => [i.id, i] as const))('%s: its checker accepts the reference answer and rejects the wrong one', (_, item) => {
    expect(checkAnswer(item.check, item.reference).passed).toBe(true)
    expect(checkAnswer(item.check, item.wrong).passed).toBe(false)
  })
})

describe('probe set schema', () => {
  const item = { id: 'a', cluster: 'maths', prompt: 'p', check: { kind: 'number', value: 1 }, reference: '1', wrong: '2' }
  const set = (items: unknown[]) => ({ version: 1, licence: 'MIT', description: 'd', items })

  it('rejects duplicate ids, an invalid regular expression and an unknown check kind', () => {
    expect(ProbeSet.safeParse(set([item])).success).toBe(true)
    expect(ProbeSet.safeParse(set([item, item])).success).toBe(false)
    expect(ProbeSet.safeParse(set([{ ...item, check: { kind: 'regex', pattern: '(' } }])).success).toBe(false)
    expect(ProbeSet.safeParse(set([{ ...item, check: { kind: 'vibes' } }])).success).toBe(false)
  })
})

describe('checkAnswer', () => {
  it('number: takes the last number in the answer, ignoring thousands separators, within the tolerance', () => {
    expect(lastNumber('The answer is 1,024.')).toBe(1024)
    expect(lastNumber('3 apples cost $2, so 12 cost 8')).toBe(8)
    expect(lastNumber('no digits here')).toBeNull()
    expect(checkAnswer({ kind: 'number', value: 85.71, tolerance: 0.01 }, 'About 85.714 km/h')).toMatchObject({ passed: true })
    expect(checkAnswer({ kind: 'number', value: 12, tolerance: 0 }, 'twelve')).toEqual({ passed: false, note: 'no number in the answer, expected 12' })
    expect(checkAnswer({ kind: 'number', value: 12, tolerance: 0 }, '14')).toEqual({ passed: false, note: 'answered 14, expected 12' })
  })

  it('json: accepts a fenced answer, compares strings case-insensitively, needs every expected key', () => {
    const check = { kind: 'json', equals: { name: 'Priya Nair', city: 'Leeds' } } as const
    expect(checkAnswer(check, '```json\n{"name": "priya nair", "city": "Leeds", "extra": 1}\n```').passed).toBe(true)
    expect(checkAnswer(check, '{"name": "Priya Nair"}').passed).toBe(false)
    expect(checkAnswer(check, 'name: Priya Nair')).toEqual({ passed: false, note: 'the answer is not JSON' })
    expect(checkAnswer({ kind: 'json', equals: { qty: 6 } }, '{"qty": "6"}').passed).toBe(false)
  })
})
