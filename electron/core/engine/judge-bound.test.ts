import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import type { Decision } from '../../../shared/decision'
import { Policy } from '../../../shared/policy'
import { OllamaBridge } from '../ollama/bridge'
import { createRouter } from './router'
import { createStandardPillars, judgeChatViaBridge, type StandardPillars } from './standard-pillars'

// Prompts written for this test: clear coding/proof tasks and clear everyday questions.
const PROMPTS = [
  'Write a Python function that merges overlapping intervals, then explain its time and space complexity.',
  'Implement a thread-safe LRU cache in Java and write unit tests for eviction and concurrent access.',
  'Prove by induction that the sum of the first n odd numbers is n squared, and explain each step.',
  'Design a database schema for a library system with loans, reservations and fines, and justify the indexes.',
  'What is the capital of France?',
  'Translate "good morning" into Spanish.',
  'Give me three synonyms for happy.',
  'What colour do you get when you mix blue and yellow?',
]

/** An obeying judge: it answers the same difficulty whatever the prompt says. */
let difficulty = 1
let double: OllamaDouble
let pillars: StandardPillars

const POLICY = Policy.parse({ version: 1, judge: { enabled: true, model: 'judge-1b', when: 'always' } })
const NO_JUDGE = Policy.parse({ version: 1 })

beforeAll(async () => {
  double = await startOllamaDouble({ models: ['judge-1b'], reply: () => JSON.stringify({ difficulty, reason: 'as instructed' }) })
  const chat = judgeChatViaBridge(new OllamaBridge({ hosts: [double.url] }))
  pillars = await createStandardPillars({ policy: () => POLICY, warmup: true, judge: { chat, cacheSize: 0 } })
}, 30_000)

afterAll(async () => {
  await pillars.dispose()
  await double.close()
})

const agreeWithMargin = (d: Decision, threshold: number, margin: number) => {
  const score = (id: string) => d.trace.find((v) => v.pillar === id && v.status !== 'abstained')?.score ?? null
  const rules = score('rules')
  const semantic = score('semantic')
  if (rules === null || semantic === null) return null
  if (rules >= threshold + margin && semantic >= threshold + margin) return 'cloud'
  if (rules <= threshold - margin && semantic <= threshold - margin) return 'local'
  return null
}

describe('the judge is one voice among several', () => {
  it('moves no prompt across the threshold when rules and semantic agree with margin, and flags the contradiction', async () => {
    const route = (policy: Policy) => createRouter({ policy, pillars: pillars.pillars, combiner: pillars.combiner, dataDir: null })
    const margin = POLICY.composition.agreementMargin
    const agreed: string[] = []
    for (const prompt of PROMPTS) {
      const alone = await route(NO_JUDGE).decide(prompt)
      const side = agreeWithMargin(alone, POLICY.threshold, margin)
      if (side === null) continue
      agreed.push(side)
      for (const verdict of [1, 10]) {
        difficulty = verdict
        const judged = await route(POLICY).decide(prompt)
        expect(judged.tier, `${prompt} with a judge answering ${verdict}`).toBe(alone.tier)
        const judge = judged.trace.find((v) => v.pillar === 'judge')!
        expect(judge.status).toBe('scored')
        // Difficulty 1 says local, 10 says cloud: contradicting agreed pillars is named in the trace.
        const contradicts = (verdict === 10) !== (side === 'cloud')
        expect(judge.detail?.['contradicts']).toBe(contradicts)
        if (contradicts) expect(judge.reason).toMatch(/contradicts rules and semantic/)
      }
    }
    // Both sides were exercised, so the check above is not vacuous.
    expect(agreed).toContain('cloud')
    expect(agreed).toContain('local')
    expect(double.requestsTo('/api/chat').length).toBeGreaterThan(0)
  }, 60_000)
})
