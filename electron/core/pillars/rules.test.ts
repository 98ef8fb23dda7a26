import { describe, expect, it } from 'vitest'
import type { PillarVerdict } from '../../../shared/decision'
import { DEFAULT_POLICY, Policy } from '../../../shared/policy'
import { countTokens } from '../engine/tokens'
import { createRulesPillar, PRIVACY_CHECK_ONLY } from './rules'

const rules = createRulesPillar()
const run = (prompt: string, policy: Policy = DEFAULT_POLICY) => rules.evaluate({ prompt, tokens: countTokens(prompt).tokens, policy }) as PillarVerdict

describe('rules pillar: scores', () => {
  it('scores code, maths and reasoning requests above the threshold', () => {
    for (const prompt of [
      'Write a Python function that merges two sorted linked lists and returns the head.',
      'A shop sells pens at $3 each and notebooks at $5 each. Maya buys 4 pens and 3 notebooks. How much does she spend in total?',
      'Prove that there are infinitely many prime numbers.',
      'Three friends each tell one lie and one truth. Work out who took the cake, step by step.',
    ]) {
      const v = run(prompt)
      expect(v.status, prompt).toBe('scored')
      expect(v.score!, prompt).toBeGreaterThan(DEFAULT_POLICY.threshold)
    }
  })

  it('scores simple edits, lookups and short writing well below the threshold', () => {
    for (const prompt of [
      'Give me a synonym for "quick".',
      'Write a haiku about spring rain.',
      'What is the capital of Canada?',
      'Suggest a name for a goldfish.',
    ]) {
      expect(run(prompt).score!, prompt).toBeLessThan(DEFAULT_POLICY.threshold - 20)
    }
  })

  it('says which triggers fired and how many tokens the prompt has', () => {
    const v = run('Write a Python function that reverses a string.')
    expect(v.reason).toMatch(/^\d+ tokens; code request \(\+50\), programming language \(\+15\)/)
    expect(v.detail).toMatchObject({ triggers: expect.arrayContaining(['code-request', 'code-language']) })
  })

  it('matches keywords as whole words, ignoring case, punctuation and plurals', () => {
    expect(run('Add UNIT-TESTS for this parser.').detail?.triggers).toContain('code-debugging')
    expect(run('The dog sat in the sunlight.').detail?.triggers).toEqual([])
  })

  it('gives long documents a long-document bonus', () => {
    const doc = `Summarize the following report.\n\n${'The committee met and reviewed the quarterly results in detail. '.repeat(150)}`
    const v = run(doc)
    expect(v.detail).toMatchObject({ kinds: expect.objectContaining({ 'long-document': expect.any(Number) }) })
    expect(v.score!).toBeGreaterThan(DEFAULT_POLICY.threshold)
  })

  it('reads its triggers from the policy', () => {
    const policy = Policy.parse({
      version: 1,
      rules: { triggers: [{ id: 'legal', kind: 'reasoning', label: 'legal analysis', weight: 60, words: ['indemnity clause'] }] },
    })
    const v = run('Is this indemnity clause enforceable?', policy)
    expect(v.reason).toContain('legal analysis (+60)')
    expect(run('Is this indemnity clause enforceable?').reason).not.toContain('legal analysis')
  })

  it('abstains when disabled in the policy', () => {
    const policy = Policy.parse({ version: 1, rules: { enabled: false } })
    expect(run('hello', policy)).toMatchObject({ status: 'abstained', score: null })
  })
})

describe('rules pillar: safe list', () => {
  it('short-circuits greetings, thanks, small talk and simple rewording to local', () => {
    for (const prompt of ['Hello there!', 'thanks a lot', 'how are you doing today?', 'Who made you?', 'Rewrite this more politely: send it now.']) {
      const v = run(prompt)
      expect(v, prompt).toMatchObject({ status: 'short-circuit', tier: 'local', pin: 'safe-list' })
      expect(v.score!).toBeLessThanOrEqual(DEFAULT_POLICY.rules.safeList.maxScore)
    }
  })

  it('does not let a greeting hide a hard request', () => {
    const v = run('Hi! Write a Rust function that parses JSON without allocating.')
    expect(v.status).toBe('scored')
    expect(v.score!).toBeGreaterThan(DEFAULT_POLICY.threshold)
  })

  it('does not safe-list long prompts that merely start like small talk', () => {
    const v = run(`Hello, ${'here is some context about my project and its history. '.repeat(20)}`)
    expect(v.pin).toBeUndefined()
  })
})

describe('rules pillar: general mechanisms', () => {
  const kinds = (prompt: string) => run(prompt).detail?.kinds as Record<string, number>
  const triggers = (prompt: string) => run(prompt).detail?.triggers as string[]

  it('does not safe-list an edit that also asks for analysis or judgement', () => {
    expect(run('Rewrite this sentence in plain English: the party of the first part shall indemnify the party of the second part.').pin).toBe('safe-list')
    const v = run('Rewrite this indemnity clause in plain English and flag any ambiguity a court could read against us.')
    expect(v.pin).toBeUndefined()
    expect(v.reason).toContain('asks for judgement')
  })

  it('keeps small talk on the fast path even when it asks a quantity question', () => {
    expect(run('how old are you?').pin).toBe('safe-list')
  })

  it('ignores simple-sounding cues when the request also asks for more', () => {
    const plain = run('Translate this paragraph into Spanish.')
    expect(plain.detail?.kinds).toHaveProperty('simple')
    const more = run('Translate this paragraph into Spanish, and explain how the subjunctive changes what the second sentence implies, step by step.')
    expect(more.detail?.kinds).not.toHaveProperty('simple')
    expect(more.reason).toContain('ignored: the request asks for more')
  })

  it('scores a request for several distinct deliverables as multi-part', () => {
    const one = run('Explain the rules of cricket.')
    const three = run('Explain the rules of cricket, compare them with baseball and justify which is harder to umpire.')
    expect(one.reason).not.toContain('multi-part')
    expect(three.reason).toContain('multi-part request: 3 distinct tasks')
    expect(three.score!).toBeGreaterThan(one.score!)
  })

  it('recognises puzzle structure: several named parties with relations', () => {
    const v = run('Priya is taller than Omar, Omar is taller than Lena, and Kofi is shorter than Lena. Who is the shortest?')
    expect(v.reason).toMatch(/puzzle structure: \d named parties/)
    // Names alone, without a relation or ordering cue, are not a puzzle.
    expect(run('Write a short note inviting Priya, Omar, Lena and Kofi to lunch.').reason).not.toContain('puzzle')
  })

  it('fires trigger families for algorithms, systems, formal maths, long-form writing and expert domains', () => {
    expect(triggers('What is the space complexity of a breadth first search on a grid?')).toContain('algorithms')
    expect(triggers('Implement a min heap with O(log n) insert.')).toContain('algorithms')
    expect(triggers('How does quorum replication behave when a network partition happens?')).toContain('systems')
    expect(triggers('Derive the closed form of the Fibonacci numbers from their recurrence.')).toContain('math-formal')
    expect(triggers('Solve x^3 - 6x^2 + 11x - 6 = 0.')).toContain('math-notation')
    expect(triggers('Write a 3,000-word travel essay about crossing the Andes by bus.')).toContain('long-form')
    expect(kinds('Is a non-solicitation clause in an employment contract binding after I resign?')!['domain']).toBeGreaterThan(0)
    expect(kinds('What dose adjustments does a patient with renal impairment need for this antibiotic?')!['domain']).toBeGreaterThan(0)
  })

  it('keeps word counts of word problems and verbs that look like keywords from firing', () => {
    expect(triggers('A printer uses 1,200 words of memory per page. How many pages fit in 96,000 words?')).not.toContain('long-form')
    expect(triggers('She tries to explain the new rules to her team.')).not.toContain('algorithms')
  })

  it('leans local on bare arithmetic and unit conversions, but only on short prompts', () => {
    for (const prompt of ['what is 18% of 250', '64 / 8 = ?', 'how many millilitres in a teaspoon', 'convert 12 inches to cm']) {
      expect(kinds(prompt)!['simple'], prompt).toBeLessThan(0)
    }
    const story =
      'A baker makes 48 rolls every morning and sells them in bags of 6. On Saturday she bakes twice as many and sells 5 bags more than on Friday, when she sold 7. How many rolls are left on Saturday?'
    expect(triggers(story)).not.toContain('simple-arithmetic')
    expect(run(story).score!).toBeGreaterThan(DEFAULT_POLICY.threshold)
  })

  it('honours a trigger maxTokens from the policy', () => {
    const policy = Policy.parse({
      version: 1,
      rules: { triggers: [{ id: 'short-tea', kind: 'simple', label: 'tea', weight: -20, words: ['tea'], maxTokens: 5 }] },
    })
    expect(run('tea?', policy).detail?.triggers).toEqual(['short-tea'])
    expect(run('tell me everything about the history of tea in china and india', policy).detail?.triggers).toEqual([])
  })
})

describe('rules pillar: privacy', () => {
  it('pins secrets to local and names the kind without echoing the value', () => {
    const secret = 'sk-proj-4fT9qLmZ2xWv8RbN0cYk3HsJ7dPa1EuQ6gVo5iXw'
    const v = run(`My key is ${secret}, why does the API return 401?`)
    expect(v).toMatchObject({ status: 'short-circuit', tier: 'local', pin: 'privacy' })
    expect(v.reason).toContain('an API key')
    expect(JSON.stringify(v)).not.toContain(secret)
    expect(JSON.stringify(v)).not.toContain('4fT9qLmZ')
  })

  it('pins personal data: e-mail, phone, card and IBAN', () => {
    const v = run('Email jane.doe@example.com or call +1 415 555 0132; card 4539 1488 0343 6467; IBAN GB82 WEST 1234 5698 7654 32')
    expect(v.detail?.privacy).toEqual(['card-number', 'email', 'phone', 'iban'])
    for (const leaked of ['jane.doe', '555 0132', '4539', 'WEST']) expect(JSON.stringify(v)).not.toContain(leaked)
  })

  it('beats an @cloud directive', () => {
    const v = run('@cloud summarise the mail from jane.doe@example.com')
    expect(v).toMatchObject({ tier: 'local', pin: 'privacy' })
    expect(v.reason).toContain('@cloud directive is ignored')
  })

  it('can be switched off per kind', () => {
    const policy = Policy.parse({ version: 1, rules: { privacy: { kinds: ['api-key'] } } })
    expect(run('mail jane@example.com', policy).pin).not.toBe('privacy')
  })

  it('pins a conversation whose earlier turns or system message hold private data, naming turn and kind only', () => {
    const history = [
      { role: 'system' as const, content: 'You are the billing assistant of jane.doe@example.com.' },
      { role: 'user' as const, content: 'Charge my card 4539 1488 0343 6467 for the order.' },
      { role: 'assistant' as const, content: 'Done.' },
    ]
    const prompt = 'thanks!'
    const v = rules.evaluate({ prompt, history, tokens: countTokens(prompt).tokens, policy: DEFAULT_POLICY }) as PillarVerdict
    expect(v).toMatchObject({ status: 'short-circuit', tier: 'local', pin: 'privacy' })
    expect(v.detail?.privacy).toEqual(['card-number', 'email'])
    expect(v.detail?.privacyTurns).toEqual([
      { turn: 1, role: 'system', kinds: ['email'] },
      { turn: 2, role: 'user', kinds: ['card-number'] },
    ])
    expect(v.detail?.gate).toBe(
      'The conversation holds an e-mail address in turn 1 (system message); and a payment card number in turn 2 (user message), so it never leaves this machine.',
    )
    for (const leaked of ['jane.doe', '4539', '6467']) expect(JSON.stringify(v)).not.toContain(leaked)
  })

  it('names both the prompt and the earlier turns when each holds private data', () => {
    const history = [{ role: 'user' as const, content: 'my number is +44 20 7946 0958' }]
    const prompt = 'and my key is AKIAIOSFODNN7EXAMPLE'
    const v = rules.evaluate({ prompt, history, tokens: countTokens(prompt).tokens, policy: DEFAULT_POLICY }) as PillarVerdict
    expect(v.detail?.gate).toBe(
      'The prompt contains an API key and the conversation holds a phone number in turn 1 (user message), so it never leaves this machine.',
    )
  })

  it('reads the history with the same kinds the policy asks for', () => {
    const policy = Policy.parse({ version: 1, rules: { privacy: { kinds: ['api-key'] } } })
    const history = [{ role: 'system' as const, content: 'mail jane@example.com' }]
    const v = rules.evaluate({ prompt: 'write a haiku about autumn', history, tokens: 8, policy }) as PillarVerdict
    expect(v.pin).not.toBe('privacy')
  })
})

describe('rules pillar: the privacy check alone (a tier the request pinned)', () => {
  const check = (prompt: string, policy: Policy = DEFAULT_POLICY, history?: { role: 'user' | 'system'; content: string }[]) =>
    rules.checkPrivacy!({ prompt, policy, ...(history ? { history } : {}) })

  it('pins private data local with the same gate, kinds, turns and directive as a full evaluation', () => {
    const history = [{ role: 'system' as const, content: 'You bill jane.doe@example.com.' }]
    const prompt = '@cloud my key is AKIAIOSFODNN7EXAMPLE, list the failing lambdas step by step'
    const alone = check(prompt, DEFAULT_POLICY, history)
    const full = rules.evaluate({ prompt, history, tokens: countTokens(prompt).tokens, policy: DEFAULT_POLICY }) as PillarVerdict
    expect(alone).toMatchObject({ pillar: 'rules', status: 'short-circuit', tier: 'local', pin: 'privacy', score: null })
    for (const key of ['privacy', 'gate', 'privacyTurns', 'directive']) expect(alone.detail?.[key], key).toEqual(full.detail?.[key])
    expect(alone.reason).toBe(`Privacy pin: ${String(full.detail?.gate)}`)
    // Nothing of the complexity analysis: no token count, no triggers, no summary.
    expect(Object.keys(alone.detail!).sort()).toEqual(['directive', 'gate', 'privacy', 'privacyTurns'])
    expect(alone.reason).not.toContain('tokens')
    expect(JSON.stringify(alone)).not.toContain('AKIA')
  })

  it('says no private data was found, scoring nothing, and keeps a directive for the chat to strip', () => {
    expect(check('Prove that there are infinitely many primes.')).toEqual({
      pillar: 'rules',
      status: 'abstained',
      score: null,
      confidence: 0,
      reason: PRIVACY_CHECK_ONLY,
      ms: expect.any(Number) as number,
    })
    expect(check('@local Prove that there are infinitely many primes.').detail).toEqual({ directive: '@local' })
  })

  it('follows the policy: the kinds it asks for, the check switched off, rules switched off', () => {
    expect(check('mail jane@example.com', Policy.parse({ version: 1, rules: { privacy: { kinds: ['api-key'] } } })).pin).toBeUndefined()
    expect(check('mail jane@example.com', Policy.parse({ version: 1, rules: { privacy: { enabled: false } } }))).toMatchObject({
      status: 'abstained',
      reason: 'not run: the request pinned the tier, and the privacy check is off in the policy',
    })
    expect(check('mail jane@example.com', Policy.parse({ version: 1, rules: { enabled: false } }))).toMatchObject({
      status: 'abstained',
      reason: 'rules are disabled in the policy',
    })
  })
})

describe('rules pillar: overrides and bad input', () => {
  it('obeys @cloud / @local directives at the start of the prompt', () => {
    expect(run('@cloud hi there')).toMatchObject({ status: 'short-circuit', tier: 'cloud', pin: 'override' })
    expect(run('#local Write a Python function that sorts a list.')).toMatchObject({ tier: 'local', pin: 'override' })
    expect(run('please @cloud this').pin).toBeUndefined()
  })

  it('gives a verdict for empty, binary, emoji, right-to-left and 1 MB prompts', () => {
    const inputs = [
      '',
      '   ',
      '\u0000\u0001\u0002\uFFFD\uD800',
      '🚀🔥😀'.repeat(50),
      'שלום, איך אתה היום?',
      'اكتب دالة بايثون لفرز قائمة',
      'a '.repeat(500_000),
    ]
    for (const prompt of inputs) {
      const v = run(prompt)
      expect(['scored', 'short-circuit']).toContain(v.status)
      expect(v.score).toBeGreaterThanOrEqual(0)
      expect(v.score).toBeLessThanOrEqual(100)
    }
  })
})
