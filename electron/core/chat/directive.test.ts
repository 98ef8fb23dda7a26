import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { createRulesPillar } from '../pillars/rules'
import { countTokens } from '../engine/tokens'
import type { Decision } from '../../../shared/decision'
import { promptForModel, promptKeyOf } from './directive'

async function decisionFor(prompt: string): Promise<Decision> {
  const verdict = await createRulesPillar().evaluate({ prompt, tokens: countTokens(prompt).tokens, policy: DEFAULT_POLICY })
  return {
    id: 'd',
    tier: verdict.tier ?? 'local',
    model: 'm',
    endpoint: 'e',
    complexity: 50,
    threshold: 65,
    explanation: '',
    pinned: null,
    trace: [verdict],
    ms: 0,
  }
}

describe('promptForModel', () => {
  it('drops a leading @cloud / @local directive the router acted on', async () => {
    expect(promptForModel('@cloud explain monads', await decisionFor('@cloud explain monads'))).toBe('explain monads')
    expect(promptForModel('  #local  hi there', await decisionFor('  #local  hi there'))).toBe('hi there')
  })

  it('keeps prompts without a directive, and directives that are not at the start, untouched', async () => {
    expect(promptForModel('explain monads', await decisionFor('explain monads'))).toBe('explain monads')
    expect(promptForModel('email me @cloud', await decisionFor('email me @cloud'))).toBe('email me @cloud')
  })

  it('strips the directive of a privacy-pinned prompt too (it stays local either way)', async () => {
    const prompt = '@cloud my card is 4111 1111 1111 1111, is it valid?'
    const decision = await decisionFor(prompt)
    expect(decision.trace[0]!.pin).toBe('privacy')
    expect(promptForModel(prompt, decision)).toBe('my card is 4111 1111 1111 1111, is it valid?')
  })
})

describe('promptKeyOf', () => {
  it("an @cloud re-send of a prompt has the prompt's key; another prompt has another; the key is a fixed-size hash, not the text", async () => {
    const plain = promptKeyOf(promptForModel('what is 17 * 23?', await decisionFor('what is 17 * 23?')))
    const resent = promptKeyOf(promptForModel('@cloud what is 17 * 23?', await decisionFor('@cloud what is 17 * 23?')))
    expect(resent).toBe(plain)
    expect(promptKeyOf('what is 17 * 24?')).not.toBe(plain)
    expect(plain).toMatch(/^[\w-]{43}$/)
  })
})
