import { describe, expect, it } from 'vitest'
import type { PillarId, PillarVerdict } from '../../../shared/decision'
import { MAX_PROMPT_CHARS } from '../../../shared/chat'
import { Decision } from '../../../shared/decision'
import { DEFAULT_POLICY, Policy } from '../../../shared/policy'
import { createBandit, seededRandom, type Arm } from '../pillars/bandit'
import { abstain, type Pillar } from '../pillars/pillar'
import { createRulesPillar, PRIVACY_CHECK_ONLY } from '../pillars/rules'
import type { CombinerStep } from './combiner/step'
import { createRouter, PromptError, type RouterDeps } from './router'

/** A scoring pillar that always says the same thing. */
function fixed(pillar: PillarId, score: number, confidence = 1): Pillar {
  return { id: pillar, evaluate: () => ({ pillar, status: 'scored', score, confidence, reason: `${pillar} says ${score}`, ms: 0 }) }
}

const ARMS: Arm[] = [
  { endpoint: 'ollama', model: 'llama3.2:3b', tier: 'local' },
  { endpoint: 'openai', model: 'gpt-4o-mini', tier: 'cloud' },
]

const routerWith = (deps: Partial<RouterDeps> & Pick<RouterDeps, 'pillars'>) =>
  createRouter({ policy: DEFAULT_POLICY, listArms: (tier) => ARMS.filter((a) => a.tier === tier), ...deps })

describe('router: complexity index and tier', () => {
  it('weights each pillar by its policy weight times its confidence', async () => {
    const mean = Policy.parse({ version: 1, weights: { rules: 1, semantic: 3, judge: 1 }, composition: { pooling: 'mean' } })
    const d = await routerWith({ policy: mean, pillars: [fixed('rules', 40, 0.5), fixed('semantic', 90, 1)] }).decide('x')
    // (40·0.5 + 90·3) / (0.5 + 3) = 82.857
    expect(d.complexity).toBe(82.9)
    expect(d.tier).toBe('cloud')
    // The default pools log-odds (threshold = even odds): 40 → p 0.308, 90 → p 0.857, weighted mean of logits 1.42 → 86.4.
    const logit = Policy.parse({ version: 1, weights: { rules: 1, semantic: 3, judge: 1 } })
    expect((await routerWith({ policy: logit, pillars: [fixed('rules', 40, 0.5), fixed('semantic', 90, 1)] }).decide('x')).complexity).toBe(86.4)
  })

  it('goes to the cloud only when the index exceeds the threshold', async () => {
    expect((await routerWith({ pillars: [fixed('rules', 65)] }).decide('x')).tier).toBe('local')
    expect((await routerWith({ pillars: [fixed('rules', 65.1)] }).decide('x')).tier).toBe('cloud')
    const strict = Policy.parse({ version: 1, threshold: 30 })
    expect((await routerWith({ policy: strict, pillars: [fixed('rules', 40)] }).decide('x')).tier).toBe('cloud')
  })

  it('leaves out pillars that abstain, throw, hang or are weighted 0', async () => {
    const throwing: Pillar = {
      id: 'judge',
      evaluate: () => {
        throw new Error('boom')
      },
    }
    const hanging: Pillar = { id: 'semantic', evaluate: () => new Promise<PillarVerdict>(() => {}) }
    const policy = Policy.parse({ version: 1, pillarTimeoutMs: 30 })
    const d = await routerWith({ policy, pillars: [fixed('rules', 20), hanging, throwing] }).decide('x')
    expect(d.complexity).toBe(20)
    expect(d.trace.map((v) => [v.pillar, v.status])).toEqual([
      ['rules', 'scored'],
      ['semantic', 'abstained'],
      ['judge', 'abstained'],
      ['bandit', 'scored'],
    ])
    expect(d.trace[1]!.reason).toContain('no answer within 30 ms')
    expect(d.trace[2]!.reason).toContain('boom')
    const zeroJudge = Policy.parse({ version: 1, weights: { judge: 0 } })
    expect((await routerWith({ policy: zeroJudge, pillars: [fixed('rules', 20), fixed('judge', 100)] }).decide('x')).complexity).toBe(20)
  })

  it('stays local, and says so, when no pillar can score', async () => {
    const d = await routerWith({ pillars: [{ id: 'semantic', evaluate: () => abstain('semantic', 'model missing', 0) }] }).decide('x')
    expect(d).toMatchObject({ tier: 'local', complexity: 0, pinned: null })
    expect(d.explanation).toMatch(/^No pillar could score this prompt/)
  })

  it('reads the policy from a source on every decision (hot reload)', async () => {
    let policy = DEFAULT_POLICY
    const router = routerWith({ policy: { get: () => policy }, pillars: [fixed('rules', 50)] })
    expect((await router.decide('x')).tier).toBe('local')
    policy = Policy.parse({ version: 1, threshold: 40 })
    expect((await router.decide('x')).tier).toBe('cloud')
  })
})

describe('router: explanations', () => {
  it('explains cloud routing in the seed style, then each pillar', async () => {
    const d = await routerWith({ pillars: [fixed('rules', 72), fixed('semantic', 72)] }).decide('x')
    const [headline, ...lines] = d.explanation.split('\n')
    expect(headline).toBe('Complexity index (72%) exceeds Edge threshold (65%). Routing to Cloud cluster: gpt-4o-mini (openai).')
    expect(lines[0]).toBe('- Rules (score 72, leans Cloud, 50% of the weight): rules says 72')
    expect(lines[1]).toBe('- Semantic (score 72, leans Cloud, 50% of the weight): semantic says 72')
    expect(lines[2]).toMatch(/^- Bandit: gpt-4o-mini is the only cloud model/)
  })

  it('explains local routing', async () => {
    const d = await routerWith({ pillars: [fixed('rules', 31)] }).decide('x')
    expect(d.explanation.split('\n')[0]).toBe('Complexity index (31%) is within Edge threshold (65%). Routing to Local model llama3.2:3b.')
    expect(d).toMatchObject({ model: 'llama3.2:3b', endpoint: 'ollama' })
  })

  it('says when a tier has no model', async () => {
    const d = await routerWith({ pillars: [fixed('rules', 90)], listArms: () => [] }).decide('x')
    expect(d).toMatchObject({ tier: 'cloud', model: null, endpoint: null })
    expect(d.explanation.split('\n')[0]).toContain('Routing to Cloud cluster (no cloud endpoint is configured).')
  })
})

describe('router: fast path, pins and overrides', () => {
  it('lets a safe-list verdict skip the later pillars', async () => {
    let semanticRan = false
    const spy: Pillar = {
      id: 'semantic',
      evaluate: () => {
        semanticRan = true
        return fixed('semantic', 99).evaluate({ prompt: '', tokens: 0, policy: DEFAULT_POLICY })
      },
    }
    const d = await routerWith({ pillars: [createRulesPillar(), spy] }).decide('Hello!')
    expect(semanticRan).toBe(false)
    expect(d).toMatchObject({ tier: 'local', pinned: 'safe-list' })
    expect(d.explanation).toMatch(/^Fast path: greeting \(safe list\)/)
    expect(d.explanation).toContain('- Semantic: skipped (fast path decided)')
  })

  it('pins privacy to local over the index, an API override and a health hook', async () => {
    const secret = 'AKIAIOSFODNN7EXAMPLE'
    const router = routerWith({
      pillars: [createRulesPillar(), fixed('semantic', 100)],
      tierOverride: () => ({ tier: 'cloud', reason: 'Ollama is down' }),
    })
    const d = await router.decide(`Debug this: my AWS key ${secret} fails with AccessDenied when the lambda runs`, { tier: 'cloud' })
    expect(d).toMatchObject({ tier: 'local', pinned: 'privacy', model: 'llama3.2:3b' })
    expect(d.explanation).toMatch(/^Pinned to Local for privacy: the prompt contains an API key/)
    expect(d.explanation).toContain('privacy-pinned prompt never goes to the cloud')
    expect(JSON.stringify(d)).not.toContain(secret)
  })

  it('pins a conversation to local when only an earlier turn holds private data, even with the cloud asked for', async () => {
    const router = routerWith({
      pillars: [createRulesPillar(), fixed('semantic', 100)],
      tierOverride: () => ({ tier: 'cloud', reason: 'Ollama is down' }),
    })
    const history = [{ role: 'system' as const, content: 'Deploy key: sk-proj-4fT9qLmZ2xWv8RbN0cYk3HsJ7dPa1EuQ6gVo5iXw' }]
    const d = await router.decide('Prove that there are infinitely many primes, step by step.', { tier: 'cloud', history })
    expect(d).toMatchObject({ tier: 'local', pinned: 'privacy' })
    expect(d.explanation).toMatch(/^Pinned to Local for privacy: the conversation holds an API key in turn 1 \(system message\)/)
    expect(JSON.stringify(d)).not.toContain('4fT9qLmZ')
    // Without the history the same prompt goes where it was asked to.
    expect(
      (await routerWith({ pillars: [createRulesPillar()] }).decide('Prove that there are infinitely many primes, step by step.', { tier: 'cloud' })).tier,
    ).toBe('cloud')
  })

  it('withholds a pillar reason that quotes the private data', async () => {
    const parrot: Pillar = {
      id: 'judge',
      evaluate: ({ prompt }) => ({ pillar: 'judge', status: 'scored', score: 50, confidence: 1, reason: `you wrote: ${prompt}`, ms: 0 }),
    }
    const d = await routerWith({ pillars: [createRulesPillar(), parrot] }).decide('Write to jane.doe@example.com about the invoice')
    expect(d.pinned).toBe('privacy')
    expect(JSON.stringify(d)).not.toContain('jane.doe')
    expect(d.trace[1]!.reason).toContain('withheld')
  })

  it('follows the user’s tier choice', async () => {
    const d = await routerWith({ pillars: [fixed('rules', 10)] }).decide('x', { tier: 'cloud' })
    expect(d).toMatchObject({ tier: 'cloud', pinned: 'override', model: 'gpt-4o-mini' })
    expect(d.explanation).toMatch(/^You chose Cloud for this prompt/)
  })

  it('runs only the privacy check when the request pins the tier, and says so in the trace', async () => {
    const ran: string[] = []
    const rules = createRulesPillar()
    const countedRules: Pillar = {
      id: 'rules',
      evaluate: (input) => (ran.push('rules'), rules.evaluate(input)),
      checkPrivacy: (input) => (ran.push('rules: privacy only'), rules.checkPrivacy!(input)),
    }
    const counted = (pillar: Pillar): Pillar => ({ id: pillar.id, evaluate: (input) => (ran.push(pillar.id), pillar.evaluate(input)) })
    const combiner: CombinerStep = { evaluate: async (input) => (ran.push('learned'), fixed('learned', 90).evaluate(input)) }
    const router = routerWith({ pillars: [countedRules, counted(fixed('semantic', 90)), counted(fixed('judge', 90))], combiner })
    const prompt = 'Prove that there are infinitely many primes, step by step.'

    const pinned = await router.decide(prompt, { tier: 'local' })
    expect(ran).toEqual(['rules: privacy only'])
    expect(pinned).toMatchObject({ tier: 'local', pinned: 'override', complexity: 0 })
    expect(pinned.trace.map((v) => [v.pillar, v.status, v.score])).toEqual([
      ['rules', 'abstained', null],
      ['semantic', 'abstained', null],
      ['judge', 'abstained', null],
      ['learned', 'abstained', null],
      ['bandit', 'scored', null],
    ])
    expect(pinned.trace[0]!.reason).toBe(PRIVACY_CHECK_ONLY)
    for (const v of pinned.trace.slice(1, 4)) expect(v.reason).toBe('not run: the request pinned the tier, so only the privacy check ran')
    expect(pinned.explanation.split('\n')[0]).toBe(
      'You chose Local for this prompt, so only the privacy check ran; complexity was not scored. Routing to Local model llama3.2:3b.',
    )
    // No tokenizer ran: the decision carries the four-characters-a-token estimate, marked as one.
    expect(pinned).toMatchObject({ tokens: Math.ceil(prompt.length / 4), tokensExact: false })
    expect(Decision.parse(pinned)).toEqual(pinned)

    // Without a requested tier every pillar and the combiner run as before.
    ran.length = 0
    const auto = await router.decide(prompt)
    expect(ran).toEqual(['rules', 'semantic', 'judge', 'learned'])
    expect(auto.trace[0]!.status).toBe('scored')
    expect(auto.tokensExact).toBe(true)
  })

  it('pins private data local on a requested tier with the same gate sentence as an unpinned decision', async () => {
    const router = routerWith({ pillars: [createRulesPillar(), fixed('semantic', 90)] })
    const history = [{ role: 'user' as const, content: 'call me on +44 20 7946 0958' }]
    const prompt = '@cloud Write to jane.doe@example.com about the invoice'
    const pinned = await router.decide(prompt, { tier: 'cloud', history })
    const auto = await router.decide(prompt, { history })
    expect(pinned).toMatchObject({ tier: 'local', pinned: 'privacy', model: 'llama3.2:3b', complexity: 0 })
    expect(auto).toMatchObject({ tier: 'local', pinned: 'privacy' })
    const gate = pinned.trace[0]!.detail?.['gate']
    expect(gate).toBe(
      'The prompt contains an e-mail address and the conversation holds a phone number in turn 1 (user message), so it never leaves this machine. The @cloud directive is ignored for such prompts.',
    )
    expect(auto.trace[0]!.detail?.['gate']).toBe(gate)
    // The same privacy evidence in the trace; only the complexity evidence, work a pinned tier skips, is gone.
    const evidence = (d: typeof pinned) => {
      const { privacy, privacyTurns, directive } = d.trace[0]!.detail!
      return { status: d.trace[0]!.status, tier: d.trace[0]!.tier, pin: d.trace[0]!.pin, privacy, privacyTurns, directive }
    }
    expect(evidence(pinned)).toEqual(evidence(auto))
    expect(pinned.trace[0]!.reason).toBe(`Privacy pin: ${String(gate)}`)
    expect(auto.trace[0]!.reason).toContain(`Privacy pin: ${String(gate)} Complexity evidence:`)
    expect(pinned.trace[1]).toMatchObject({ pillar: 'semantic', status: 'abstained' })
    const [headline, rulesLine] = pinned.explanation.split('\n')
    expect(headline).toBe(
      'Pinned to Local for privacy: the prompt contains an e-mail address and the conversation holds a phone number in turn 1 (user message), so it never leaves this machine. The @cloud directive is ignored for such prompts (you chose Cloud, so only the privacy check ran). Routing to Local model llama3.2:3b.',
    )
    expect(rulesLine).toBe(`- Rules: Privacy pin: ${String(gate)}`)
    expect(JSON.stringify(pinned)).not.toMatch(/jane\.doe|7946/)
  })

  it('keeps the privacy pin of a stand-in rules pillar without a privacy-only entry by running it in full', async () => {
    // Answering with a promise, as a pillar may.
    const standIn: Pillar = { id: 'rules', evaluate: async (input) => createRulesPillar().evaluate(input) }
    const d = await routerWith({ pillars: [standIn, fixed('semantic', 90)] }).decide('Write to jane.doe@example.com', { tier: 'cloud' })
    expect(d).toMatchObject({ tier: 'local', pinned: 'privacy' })
    expect(d.trace[1]).toMatchObject({ pillar: 'semantic', status: 'abstained' })
  })

  it('turns a throwing privacy check into an abstention and keeps the requested tier', async () => {
    const broken: Pillar = {
      id: 'rules',
      evaluate: () => fixed('rules', 1).evaluate({ prompt: '', tokens: 0, policy: DEFAULT_POLICY }),
      checkPrivacy: () => {
        throw new Error('regex exploded')
      },
    }
    const d = await routerWith({ pillars: [broken] }).decide('hello', { tier: 'cloud' })
    expect(d).toMatchObject({ tier: 'cloud', pinned: 'override' })
    expect(d.trace[0]).toMatchObject({ pillar: 'rules', status: 'abstained', reason: 'failed: regex exploded' })
  })

  it('lets health move the tier and says why', async () => {
    const router = routerWith({
      pillars: [fixed('rules', 90)],
      tierOverride: ({ tier }) => (tier === 'cloud' ? { tier: 'local', reason: 'cloud circuit open after 3 failures', pinned: 'health' } : null),
    })
    const d = await router.decide('x')
    expect(d).toMatchObject({ tier: 'local', pinned: 'health', model: 'llama3.2:3b' })
    expect(d.explanation.split('\n')[0]).toBe(
      'Complexity index (90%) exceeds Edge threshold (65%). Cloud is unavailable (cloud circuit open after 3 failures), so Local answers instead. Routing to Local model llama3.2:3b.',
    )
  })

  it('survives a failing health hook or arm listing', async () => {
    const warnings: string[] = []
    const router = routerWith({
      pillars: [fixed('rules', 90)],
      tierOverride: () => {
        throw new Error('health broke')
      },
      listArms: () => Promise.reject(new Error('ollama list failed')),
      warn: (m) => warnings.push(m),
    })
    expect(await router.decide('x')).toMatchObject({ tier: 'cloud', model: null })
    expect(warnings).toHaveLength(2)
  })
})

describe('router: bandit and bad input', () => {
  it('picks the arm with the bandit and learns from recorded outcomes', async () => {
    const bandit = createBandit({ dataDir: null, policy: () => DEFAULT_POLICY.bandit, random: seededRandom(1) })
    const arms: Arm[] = [
      { endpoint: 'ollama', model: 'a', tier: 'local' },
      { endpoint: 'ollama', model: 'b', tier: 'local' },
    ]
    const router = createRouter({ policy: DEFAULT_POLICY, pillars: [fixed('rules', 10)], listArms: () => arms, bandit })
    const d = await router.decide('x')
    expect(['a', 'b']).toContain(d.model)
    router.record({ arm: { endpoint: d.endpoint!, model: d.model! }, success: true, latencyMs: 900 })
    expect(bandit.stats()).toHaveLength(1)
  })

  it('returns a valid decision for binary, emoji, right-to-left and 1 MB prompts', async () => {
    const router = routerWith({ pillars: [createRulesPillar()] })
    for (const prompt of ['\u0000\u0007\uFFFE\uD800binary', '🤖🧠💡'.repeat(100), 'كيف حالك اليوم؟', 'x'.repeat(MAX_PROMPT_CHARS), '   ']) {
      const d = await router.decide(prompt)
      expect(() => Decision.parse(d)).not.toThrow()
    }
  })

  it('refuses empty and oversized prompts with a clear error', async () => {
    const router = routerWith({ pillars: [createRulesPillar()] })
    await expect(router.decide('')).rejects.toThrow(new PromptError('prompt must not be empty'))
    await expect(router.decide('x'.repeat(MAX_PROMPT_CHARS + 1))).rejects.toThrow(/at most 1000000 characters/)
    await expect(router.decide(42 as unknown as string)).rejects.toThrow(PromptError)
  })

  it('counts tokens once and reports them', async () => {
    let seen = -1
    const probe: Pillar = {
      id: 'rules',
      evaluate: ({ tokens }) => ((seen = tokens), fixed('rules', 1).evaluate({ prompt: '', tokens, policy: DEFAULT_POLICY })),
    }
    const d = await routerWith({ pillars: [probe] }).decide('Hello, world!')
    expect(seen).toBe(4)
    expect(d).toMatchObject({ tokens: 4, tokensExact: true })
  })
})

describe('router: the judge only where the fast pillars are unsure', () => {
  /** A judge stand-in that counts how often it is asked. */
  function countingJudge(score: number) {
    const judge = {
      asked: 0,
      id: 'judge' as const,
      evaluate: (): PillarVerdict => {
        judge.asked += 1
        return { pillar: 'judge', status: 'scored', score, confidence: 0.7, reason: `judge says ${score}`, ms: 0 }
      },
    }
    return judge
  }
  const policy = (when: 'uncertain' | 'always') => Policy.parse({ version: 1, judge: { enabled: true, when, uncertainBand: 10 } })

  it('does not ask the judge when the index is clear of the threshold, and says why', async () => {
    const judge = countingJudge(90)
    const d = await routerWith({ policy: policy('uncertain'), pillars: [fixed('rules', 20), judge] }).decide('x')
    expect(judge.asked).toBe(0)
    expect(d.tier).toBe('local')
    expect(d.trace.find((v) => v.pillar === 'judge')).toMatchObject({ status: 'abstained', reason: expect.stringContaining('more than 10 points') })
  })

  it('asks the judge near the threshold and lets it tip the decision', async () => {
    const judge = countingJudge(95)
    const d = await routerWith({ policy: policy('uncertain'), pillars: [fixed('rules', 60), judge] }).decide('x')
    expect(judge.asked).toBe(1)
    expect(d.tier).toBe('cloud')
  })

  it("asks it for every prompt in 'always' mode", async () => {
    const judge = countingJudge(10)
    await routerWith({ policy: policy('always'), pillars: [fixed('rules', 20), judge] }).decide('x')
    expect(judge.asked).toBe(1)
  })
})
