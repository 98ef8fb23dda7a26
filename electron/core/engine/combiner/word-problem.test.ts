import { describe, expect, it } from 'vitest'
import { isWordProblem, WORD_PROBLEM_FEATURES, wordProblemFeatures } from './word-problem'

// Word problems written for this test, in the style of grade-school maths.
const STORY = 'Mia buys 3 notebooks for $2.50 each and half a dozen pens. She pays with a $20 bill. How much change does she get back?'
const CALCULATE = 'A farm has 12 cows and twice as many goats. Each goat eats 1/4 of a bale a day. Calculate the bales the goats eat in a week.'
const WITH_REMARK = 'Tom reads 30 pages a day for two weeks. What percent of his 600-page book is left? (Round to the nearest percent.)'

describe('word problems', () => {
  it('recognises short stories with quantities that ask for a number', () => {
    expect(isWordProblem(STORY)).toBe(true)
    expect(isWordProblem(CALCULATE)).toBe(true)
    expect(isWordProblem(WITH_REMARK)).toBe(true)
  })

  it('does not take other prompts with figures for word problems', () => {
    // One line of arithmetic, small talk, a list, code, a multiple-choice question, a story that asks for no number.
    expect(isWordProblem('What is 7 times 8?')).toBe(false)
    expect(isWordProblem('I turn 30 next week and have two days off. What are fun ideas for a party?')).toBe(false)
    expect(isWordProblem('I have 2 kids and 3 dogs. What should I name my new cat?')).toBe(false)
    expect(isWordProblem('List 5 fruits.\n1. apple\n2. pear')).toBe(false)
    expect(isWordProblem('Fix this: for (let i = 0; i < 10; i++) { total += 2 }. What does it print?')).toBe(false)
    expect(isWordProblem('Which is prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:')).toBe(false)
    expect(isWordProblem('Anna has 3 cats and 2 dogs. Write a short poem about them.')).toBe(false)
    expect(isWordProblem(`${STORY} `.repeat(12))).toBe(false)
  })

  it('counts the story’s length, its decimals and its fractions', () => {
    expect(WORD_PROBLEM_FEATURES).toEqual(['log-words', 'decimals', 'fractions'])
    const [words, decimals, fractions] = wordProblemFeatures(STORY)
    expect(words).toBeCloseTo(Math.log1p(STORY.split(' ').length))
    expect(decimals).toBe(1)
    expect(fractions).toBe(1)
    expect(wordProblemFeatures(CALCULATE).slice(1)).toEqual([0, 1])
    expect(wordProblemFeatures('Two thirds of 9 and a quarter of 8 and 3/5 of 10: what is 1.5 plus 2.25?').slice(1)).toEqual([2, 3])
  })
})
