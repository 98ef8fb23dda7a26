import { DEFAULT_POLICY, type Policy } from '../../../../shared/policy'
import { createBandit, seededRandom, type Arm } from '../../pillars/bandit'
import { fail, ok, type Verdict } from '../types'

/** Pulls per arm that count as "few": well inside the default warm-up. */
export const FEW_PULLS = 5
/** Exploration the seed asks for while arms are new. */
export const MIN_EPSILON = 0.1
const ROUNDS = 4000

/**
 * Bandit epsilon check, on the real bandit with the policy in force: two new arms (a few
 * pulls each, one clearly better), many choices with a seeded random. With exploration of at
 * least 0.1 over two arms, the worse arm is picked at least 5% of the time (half the
 * exploration lands on it); Thompson sampling explores the same way through its draws.
 */
export function checkBanditEpsilon(policy: Policy = DEFAULT_POLICY): Verdict {
  const bandit = createBandit({ dataDir: null, policy: () => policy.bandit, random: seededRandom(20260101), warn: () => {} })
  const good: Arm = { endpoint: 'ollama', model: 'good', tier: 'local' }
  const worse: Arm = { endpoint: 'ollama', model: 'worse', tier: 'local' }
  for (let i = 0; i < FEW_PULLS; i++) {
    bandit.record({ arm: good, success: true, latencyMs: 300, ttftMs: 100, costUsd: 0 })
    bandit.record({ arm: worse, success: false, latencyMs: 3000, ttftMs: 2000, costUsd: 0 })
  }
  let worsePicks = 0
  for (let i = 0; i < ROUNDS; i++) if (bandit.choose('local', [good, worse]).arm?.model === 'worse') worsePicks++
  void bandit.close()
  const share = worsePicks / ROUNDS
  const explored = Math.round(share * 2 * 1000) / 1000
  const needed = MIN_EPSILON / 2
  const detail = {
    strategy: policy.bandit.strategy,
    pullsPerArm: FEW_PULLS,
    worseArmShare: Math.round(share * 1000) / 1000,
    effectiveEpsilon: explored,
    minEpsilon: MIN_EPSILON,
  }
  const what = `${policy.bandit.strategy}: with ${FEW_PULLS} pulls per arm the worse of two arms was tried in ${(share * 100).toFixed(1)}% of ${ROUNDS} choices (exploration ≈ ${explored})`
  if (share < needed) {
    return fail(`${what}, under the ${MIN_EPSILON} exploration new arms need: raise bandit.epsilon.warmup or warmupPulls in the policy`, detail)
  }
  return ok(what, detail)
}
