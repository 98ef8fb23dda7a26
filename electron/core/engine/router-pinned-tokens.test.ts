import { describe, expect, it, vi } from 'vitest'
import type * as O200k from 'gpt-tokenizer/encoding/o200k_base'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { createRulesPillar } from '../pillars/rules'
import { createRouter } from './router'

// Every o200k count goes through this module (the router's count and any other): the spy sees
// each call, and still counts for real.
const bpe = vi.hoisted(() => ({ calls: 0 }))
vi.mock('gpt-tokenizer/encoding/o200k_base', async (importOriginal) => {
  const original = await importOriginal<typeof O200k>()
  return {
    ...original,
    countTokens: (...args: Parameters<typeof original.countTokens>) => {
      bpe.calls++
      return original.countTokens(...args)
    },
  }
})

describe('router: a requested tier never runs the tokenizer', () => {
  const router = createRouter({ policy: DEFAULT_POLICY, pillars: [createRulesPillar()], dataDir: null })
  const prompt = 'Write a Python function that merges two sorted linked lists and returns the head. '.repeat(40)

  it('decides a pinned tier, with or without private data, without a BPE count', async () => {
    bpe.calls = 0
    expect((await router.decide(prompt, { tier: 'cloud' })).tier).toBe('cloud')
    const history = [{ role: 'user' as const, content: 'my card is 4539 1488 0343 6467' }]
    expect((await router.decide(prompt, { tier: 'cloud', history })).pinned).toBe('privacy')
    expect((await router.decide('mail jane.doe@example.com', { tier: 'local' })).pinned).toBe('privacy')
    expect(bpe.calls).toBe(0)
  })

  it('still counts with the tokenizer when the router decides the tier', async () => {
    bpe.calls = 0
    const d = await router.decide(prompt)
    expect(bpe.calls).toBeGreaterThan(0)
    expect(d.tokensExact).toBe(true)
  })
})
