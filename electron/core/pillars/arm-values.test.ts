import { describe, expect, it } from 'vitest'
import { BanditArms } from '../../../shared/bandit'
import { Policy } from '../../../shared/policy'
import { armValues } from './arm-values'
import { createBandit } from './bandit'

const policy = Policy.parse({ version: 1 })

describe('armValues', () => {
  it("shows what the bandit learned per arm, best value first, under the policy's reward weights", () => {
    const bandit = createBandit({ dataDir: null, policy: () => policy.bandit })
    const fast = { endpoint: 'ollama', model: 'small', tier: 'local' as const }
    const flaky = { endpoint: 'ollama', model: 'big', tier: 'local' as const }
    bandit.record({ arm: fast, success: true, latencyMs: 200, costUsd: 0 })
    bandit.record({ arm: fast, success: true, latencyMs: 300, costUsd: 0 })
    bandit.record({ arm: flaky, success: false })
    bandit.record({ arm: flaky, feedback: 'down' })
    const out = BanditArms.parse(armValues(bandit.stats(), policy.bandit))
    expect(out.strategy).toBe('epsilon-greedy')
    expect(out.arms.map((a) => a.model)).toEqual(['small', 'big'])
    expect(out.arms[0]).toMatchObject({ pulls: 2, successes: 2, feedbackDown: 0 })
    expect(out.arms[0]!.meanReward).toBeGreaterThan(0.9)
    expect(out.arms[1]).toMatchObject({ pulls: 1, successes: 0, feedbackDown: 1 })
    expect(out.arms[1]!.value).toBeLessThan(out.arms[0]!.value)
  })

  it('an arm only rated so far has no mean reward yet', () => {
    const bandit = createBandit({ dataDir: null, policy: () => policy.bandit })
    bandit.record({ arm: { endpoint: 'cloud', model: 'gpt' }, feedback: 'up' })
    const [arm] = armValues(bandit.stats(), policy.bandit).arms
    expect(arm).toMatchObject({ pulls: 0, meanReward: null, feedbackUp: 1 })
  })
})
