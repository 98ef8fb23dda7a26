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
