import { describe, expect, it } from 'vitest'
import { Policy } from '../../../shared/policy'
import { checkPatch, errorFor, mergePatch, patchFor, readSection, type FieldSpec } from './policy-form'
import { POLICY_SECTIONS } from './policy-sections'

const defaults = Policy.parse({ version: 1 })

describe('policy form', () => {
  it('lays a patch over the base as the engine does: objects merge, arrays and scalars replace', () => {
    const merged = mergePatch({ a: { b: 1, c: 2 }, list: [1, 2, 3], n: 1 }, { a: { b: 5 }, list: [9] }) as Record<string, unknown>
    expect(merged).toEqual({ a: { b: 5, c: 2 }, list: [9], n: 1 })
  })

  it('an edit inside an array patches the whole array, copied from the policy in force', () => {
    const patch = patchFor(
      defaults,
      new Map<string, unknown>([
        ['rules.triggers.1.weight', 7],
        ['bandit.epsilon.floor', 0.2],
      ]),
    )
    const triggers = (patch.rules as { triggers: Array<{ id: string; weight: number }> }).triggers
    expect(triggers).toHaveLength(defaults.rules.triggers.length)
    expect(triggers[1]!.weight).toBe(7)
    expect(triggers[0]).toEqual(defaults.rules.triggers[0])
    expect(patch.bandit).toEqual({ epsilon: { floor: 0.2 } })
    expect(defaults.rules.triggers[1]!.weight).not.toBe(7) // the policy in force is not touched
  })

  it('reads only the fields that changed, and names a field that is not a number', () => {
    const specs: FieldSpec[] = [
      { path: 'threshold', label: 'T', kind: 'number' },
      { path: 'weights.rules', label: 'R', kind: 'number' },
      { path: 'judge.enabled', label: 'J', kind: 'boolean' },
      { path: 'rules.overrides.cloud', label: 'C', kind: 'list' },
    ]
    const form = new FormData()
    form.set('threshold', '40')
    form.set('weights.rules', '1')
    form.set('rules.overrides.cloud', '@cloud, #cloud, @big')
    const { changed, errors } = readSection(specs, form, defaults)
    expect(errors).toEqual({})
    expect([...changed]).toEqual([
      ['threshold', 40],
      ['rules.overrides.cloud', ['@cloud', '#cloud', '@big']],
    ]) // judge stays off: unchecked box
    form.set('threshold', 'forty')
    expect(readSection(specs, form, defaults).errors).toEqual({ threshold: '"forty" is not a number' })
  })

  it('checks the merged policy with the schema, errors by field path', () => {
    expect(checkPatch(defaults, { threshold: 40 })).toEqual({ ok: true })
    const bad = checkPatch(defaults, { threshold: 140, bandit: { epsilon: { warmup: 0.05 } } })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(Object.keys(bad.errors).sort()).toEqual(['bandit.epsilon.warmup', 'threshold'])
    expect(bad.errors.threshold).toMatch(/100/)
  })

  it("checks the semantic section with the semantic router's own schema", () => {
    const bad = checkPatch(defaults, { semantic: { thresholds: { 'glove-sif-100d': { scale: -1 } } } })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(Object.keys(bad.errors)).toContain('semantic.thresholds.glove-sif-100d.scale')
  })

  it('an error inside a list is shown on the list field', () => {
    expect(errorFor({ 'rules.overrides.cloud.1': 'a directive starts with @' }, 'rules.overrides.cloud')).toBe('1: a directive starts with @')
    expect(errorFor({ threshold: 'too big' }, 'threshold')).toBe('too big')
    expect(errorFor({ threshold: 'too big' }, 'weights.rules')).toBeNull()
  })

  it("every section's fields name a value of the default policy", () => {
    for (const section of POLICY_SECTIONS) {
      for (const spec of section.fields(defaults)) {
        const value = spec.path.split('.').reduce<unknown>((at, k) => (at as Record<string, unknown> | undefined)?.[k], defaults)
        const semanticDefault = spec.path.startsWith('semantic.') // the semantic section's keys are filled in by its own schema
        if (!semanticDefault && spec.kind !== 'optional-text') expect(value, spec.path).not.toBeUndefined()
      }
    }
  })
})
