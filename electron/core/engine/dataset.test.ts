import { describe, expect, it } from 'vitest'
import { DatasetError, parseDataset } from './dataset'

describe('parseDataset', () => {
  it('reads JSONL lines and plain prompt lines, skipping blanks', () => {
    const items = parseDataset('{"prompt":"hi","label":"local","source":"a","id":7}\n\nWhat is 2+2?\n')
    expect(items).toEqual([
      { line: 1, prompt: 'hi', label: 'local', source: 'a', id: '7' },
      { line: 3, prompt: 'What is 2+2?' },
    ])
  })

  it('names the line of a bad label or broken JSON', () => {
    expect(() => parseDataset('{"prompt":"a","label":"local"}\n{"prompt":"b","label":"edge"}')).toThrow(/line 2: "label"/)
    expect(() => parseDataset('{"prompt": "a",')).toThrow(DatasetError)
  })

  it('requires labels for evaluation', () => {
    expect(() => parseDataset('just a prompt', { requireLabels: true })).toThrow(/line 1/)
  })
})

describe('parseDataset with outcomes', () => {
  it('reads strong and weak outcomes as numbers (1/0, booleans or scores)', () => {
    const [a, b] = parseDataset('{"prompt":"q1","strong":1,"weak":false,"subject":"law"}\n{"prompt":"q2","strong":8.5,"weak":6}', { requireTruth: true })
    expect(a).toMatchObject({ strong: 1, weak: 0, subject: 'law' })
    expect(b).toMatchObject({ strong: 8.5, weak: 6 })
  })

  it('names the line of an outcome that is missing or not a number', () => {
    expect(() => parseDataset('{"prompt":"q","strong":1}')).toThrow(/line 1: outcome data needs both/)
    expect(() => parseDataset('{"prompt":"q","strong":"yes","weak":0}')).toThrow(/line 1: "strong"/)
    expect(() => parseDataset('{"prompt":"q"}', { requireTruth: true })).toThrow(/line 1: needs .*"strong" and "weak"/)
  })
})
