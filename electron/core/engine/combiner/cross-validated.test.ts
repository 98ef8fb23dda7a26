import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crossValidatedFor } from './cross-validated'

const dir = mkdtempSync(join(tmpdir(), 'routellm-cv-'))
const write = (name: string, content: string) => {
  writeFileSync(join(dir, name), content)
  return join(dir, name)
}
const trained = write('outcomes.jsonl', '{"prompt":"q","strong":1,"weak":0}\n')
const other = write('other.jsonl', '{"prompt":"q","strong":1,"weak":1}\n')
const index = {
  apgr: { mmlu: 0.61, gsm8k: 0.66 },
  apgrOverSeeds: { gsm8k: { mean: 0.661, sd: 0.002, seeds: 8 } },
  lengthApgr: { mmlu: 0.58, gsm8k: 0.6 },
  routing: { auroc: 0.999, cloudRecall: 0.98, localShare: 0.53, accuracy: 0.98 },
}
const artefact = write(
  'combiner.json',
  JSON.stringify({
    training: { data: [{ file: 'outcomes.jsonl', sha256: createHash('sha256').update('{"prompt":"q","strong":1,"weak":0}\n').digest('hex') }] },
    crossValidated: { method: 'one fold per subject', index },
  }),
)

describe('crossValidatedFor', () => {
  it('gives the stored cross-validated figures for a file the combiner was trained on, by content', async () => {
    expect(await crossValidatedFor(trained, artefact)).toEqual({ ...index, method: 'one fold per subject', trainedOn: 'outcomes.jsonl' })
  })

  it('gives nothing for other data, or when the artefact holds no figures', async () => {
    expect(await crossValidatedFor(other, artefact)).toBeNull()
    expect(await crossValidatedFor(trained, write('old.json', JSON.stringify({ training: { data: [] }, crossValidated: {} })))).toBeNull()
    expect(await crossValidatedFor(trained, join(dir, 'missing.json'))).toBeNull()
  })
})
