import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultModelsRoot } from './models'
import { packVocabulary } from './packed-vocabulary'
import { DEFAULT_MODEL_ID } from './settings'

describe('packed vocabulary', () => {
  it('finds every word of the bundled vocabulary with its id, as a Map does', async () => {
    const json = JSON.parse(await readFile(path.join(defaultModelsRoot(), DEFAULT_MODEL_ID, 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> }
    }
    const vocab = json.model.vocab
    const packed = packVocabulary(vocab)
    const words = Object.keys(vocab)
    expect(packed.size).toBe(words.length)
    const wrong = words.filter((w) => packed.get(w) !== vocab[w])
    expect(wrong).toEqual([])
    // Words that are not in it: extensions and prefixes of words that are, case, odd characters.
    const absent = [...words.slice(0, 2000).map((w) => `${w}\u0000`), ...words.slice(0, 2000).map((w) => `${w}qzx`), 'The', 'ＡＢＣ', '😀😀', '']
    const found = absent.filter((w) => !Object.hasOwn(vocab, w) && packed.get(w) !== undefined)
    expect(found).toEqual([])
  })

  it('tells apart words that share a hash slot, and words that differ in one code unit', () => {
    // Many more words than a small table has home slots: most probe past other words.
    const vocab = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`w${i.toString(36)}`, i * 2]))
    vocab['é'] = 7001
    vocab['e\u0301'] = 7003
    vocab['😀'] = 7005
    const packed = packVocabulary(vocab)
    for (const [w, id] of Object.entries(vocab)) expect(packed.get(w)).toBe(id)
    expect(packed.get('w')).toBeUndefined()
    expect(packed.get('w0w')).toBeUndefined()
    expect(packed.get('😁')).toBeUndefined()
    expect(packed.get('e')).toBeUndefined()
  })

  it('holds the empty word and an empty vocabulary', () => {
    expect(packVocabulary({ '': 3, a: 4 }).get('')).toBe(3)
    const empty = packVocabulary({})
    expect(empty.size).toBe(0)
    expect(empty.get('a')).toBeUndefined()
  })
})
