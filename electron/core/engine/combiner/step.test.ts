import { describe, expect, it } from 'vitest'
import type { PillarVerdict } from '../../../../shared/decision'
import { DEFAULT_POLICY } from '../../../../shared/policy'
import type { Combiner } from './combiner'
import { createCombinerStep } from './step'

const scored = (pillar: 'rules' | 'semantic'): PillarVerdict => ({ pillar, status: 'scored', score: 50, confidence: 0.5, reason: '', ms: 0 })

function setup(ranksChoiceQuestions: boolean) {
  const embedded: string[][] = []
  const calls: unknown[] = []
  const combiner: Combiner = {
    embeddingModel: 'm',
    dimensions: 2,
    ranksChoiceQuestions,
    verdict(input, choice) {
      calls.push(choice ?? null)
      return { pillar: 'learned', status: 'scored', score: 40, confidence: 0.2, reason: input.prompt, ms: 0 }
    },
  }
  const step = createCombinerStep({
    combiner,
    embed: async (texts) => {
      embedded.push([...texts])
      return texts.map(() => Float32Array.from([0.6, 0.8]))
    },
  })
  const run = (prompt: string) => step.evaluate({ prompt, tokens: 10, policy: DEFAULT_POLICY }, [scored('rules'), scored('semantic')])
  return { embedded, calls, run }
}

const QUESTION = 'Which is a mammal?\nA. shark\nB. whale\nC. trout\nD. eel\nAnswer:'

describe('the combiner step', () => {
  it('embeds the stem and each option of a multiple-choice question in one batch with the prompt and hands them to the head', async () => {
    const { embedded, calls, run } = setup(true)
    await run(QUESTION)
    expect(embedded).toEqual([[QUESTION, 'Which is a mammal?', 'shark', 'whale', 'trout', 'eel']])
    expect(calls[0]).toMatchObject({
      question: { stem: 'Which is a mammal?', options: ['shark', 'whale', 'trout', 'eel'] },
      embeddings: { options: expect.any(Array) },
    })
  })

  it('embeds only the prompt for other prompts, or when the combiner has no head', async () => {
    const other = setup(true)
    await other.run('Write a haiku about rain.')
    expect(other.embedded).toEqual([['Write a haiku about rain.']])
    expect(other.calls).toEqual([null])
    const headless = setup(false)
    await headless.run(QUESTION)
    expect(headless.embedded).toEqual([[QUESTION]])
    expect(headless.calls).toEqual([null])
  })
})
