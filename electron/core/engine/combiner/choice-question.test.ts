import { describe, expect, it } from 'vitest'
import { CHOICE_FEATURES, choiceFeatures, parseChoiceQuestion } from './choice-question'

const QUESTION = 'Which of these is NOT a prime?\nA. 2\nB. 3\nC. 9\nD. all of the above\nAnswer:'

describe('multiple-choice questions', () => {
  it('finds the stem and the four options, and nothing in other prompts', () => {
    expect(parseChoiceQuestion(QUESTION)).toEqual({ stem: 'Which of these is NOT a prime?', options: ['2', '3', '9', 'all of the above'] })
    expect(parseChoiceQuestion('What is 2 + 2?')).toBeNull()
    expect(parseChoiceQuestion('Pick one:\nA. red\nB. blue\nAnswer:')).toBeNull()
  })

  it('describes the options: their figures, combinations and how alike they are', () => {
    const q = parseChoiceQuestion(QUESTION)!
    const unit = (i: number) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0))
    const distinct = choiceFeatures(q, { stem: [1, 1, 0, 0], options: [unit(0), unit(1), unit(2), unit(3)] }, QUESTION.length)
    const alike = choiceFeatures(q, { stem: [1, 1, 0, 0], options: [unit(0), unit(0), unit(0), unit(0)] }, QUESTION.length)
    const at = (name: (typeof CHOICE_FEATURES)[number], f: number[]) => f[CHOICE_FEATURES.indexOf(name)]
    expect(distinct).toHaveLength(CHOICE_FEATURES.length)
    expect(at('option-numeric-share', distinct)).toBe(0.75)
    expect(at('option-all-of-the-above', distinct)).toBe(1)
    expect(at('stem-negation', distinct)).toBe(1)
    expect(at('stem-question-mark', distinct)).toBe(1)
    expect(at('option-similarity', distinct)).toBe(0)
    expect(at('option-similarity', alike)).toBeCloseTo(1, 9)
    // An option without known words (a zero embedding) is left out of the similarities, not counted as unlike.
    const unknown = choiceFeatures(q, { stem: [1, 1, 0, 0], options: [unit(0), unit(0), unit(0), [0, 0, 0, 0]] }, QUESTION.length)
    expect(at('option-similarity-min', unknown)).toBeCloseTo(1, 9)
  })
})
