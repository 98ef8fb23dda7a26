import { describe, expect, it } from 'vitest'
import { tableLines } from './text-table'

describe('terminal tables', () => {
  it('aligns each column to its widest cell, two spaces apart, with no trailing blanks', () => {
    expect(
      tableLines([
        ['endpoint', 'model', 'key'],
        ['openai', 'gpt-4o-mini', 'set'],
        ['ollama', 'llama3.2:3b', ''],
      ]),
    ).toEqual(['endpoint  model        key', 'openai    gpt-4o-mini  set', 'ollama    llama3.2:3b'])
  })
})
