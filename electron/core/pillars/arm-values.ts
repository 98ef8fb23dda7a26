import type { BanditArms } from '../../../shared/bandit'
import type { BanditPolicy } from '../../../shared/policy'
import { meanValue, type ArmStats } from './bandit'

/** The bandit's statistics as the dashboard shows them: each arm's means and the value it is ranked by, best first. */
export function armValues(stats: readonly ArmStats[], policy: BanditPolicy): BanditArms {
  const arms = stats.map((s) => ({
    endpoint: s.endpoint,
    model: s.model,
    pulls: s.pulls,
    successes: s.successes,
    meanReward: s.pulls > 0 ? s.rewardSum / s.pulls : null,
    feedbackUp: s.feedbackUp,
    feedbackDown: s.feedbackDown,
    value: meanValue(s, policy),
    lastAt: s.lastAt,
  }))
  return { strategy: policy.strategy, arms: arms.sort((a, b) => b.value - a.value || b.pulls - a.pulls) }
}
