import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { featureNames } from './features'
import { loadCombiner } from './combiner'

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'routellm-combiner-')), 'combiner.json')
  writeFileSync(path, content)
  return path
}

const names = featureNames(2)
const valid = {
  version: 1,
  embeddingModel: 'glove-sif-100d',
  evenOddsIndex: 65,
  features: names,
  mean: names.map(() => 0),
  scale: names.map(() => 1),
  weights: names.map(() => 0),
  bias: 0,
  training: {},
  crossValidated: {},
}

describe('loadCombiner', () => {
  it('loads a valid artefact: zero weights give even odds, which land on the even-odds index', async () => {
    const combiner = await loadCombiner(file(JSON.stringify(valid)))
    expect(combiner.dimensions).toBe(2)
    const v = combiner.verdict({ prompt: 'hi', tokens: 1, rules: null, semantic: null, embedding: [0.6, 0.8] })
    expect(v).toMatchObject({ pillar: 'learned', status: 'scored', score: 65, confidence: 0 })
  })

  it('names the file and the field of a damaged artefact', async () => {
    await expect(loadCombiner(file('{"version": 1,'))).rejects.toThrow(/combiner.json unreadable/)
    await expect(loadCombiner(file(JSON.stringify({ ...valid, weights: [1] })))).rejects.toThrow(/same length/)
    await expect(loadCombiner(file(JSON.stringify({ ...valid, scale: names.map(() => 0) })))).rejects.toThrow(/scale must be positive/)
    await expect(loadCombiner(file(JSON.stringify({ ...valid, features: [...names.slice(0, -1), 'other'] })))).rejects.toThrow(/other features/)
  })
})
