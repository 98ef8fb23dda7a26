import type { CostSummary, EndpointsReport } from '../../../shared/health'
import type { Conditions } from './optimize'

const UNWELL = new Set(['degraded', 'open', 'half-open'])

/**
 * What health and cost say to Optimize Load: the cloud counts as degraded when every cloud
 * endpoint that could answer (configured, not switched off) is degraded or cooling down; the
 * budget share is the tightest cap's spent share.
 */
export function conditionsOf(report: EndpointsReport, cost: CostSummary): Conditions {
  const cloud = report.endpoints.filter((e) => e.tier === 'cloud' && e.state !== 'disabled' && e.state !== 'misconfigured')
  const unwell = cloud.filter((e) => UNWELL.has(e.state))
  const cloudDegraded = cloud.length > 0 && unwell.length === cloud.length ? unwell.map((e) => `${e.id}: ${e.reason ?? e.state}`).join('; ') : null
  return { cloudDegraded, budgetShare: budgetShareOf(cost) }
}

/** The spent share of the tightest cap (above 1 past it); null when no cap is set. */
export function budgetShareOf(cost: CostSummary): number | null {
  const shares: number[] = []
  if (cost.budget.dailyUsd !== null && cost.budget.dailyUsd > 0) shares.push(cost.todayUsd / cost.budget.dailyUsd)
  if (cost.budget.monthlyUsd !== null && cost.budget.monthlyUsd > 0) shares.push(cost.monthUsd / cost.budget.monthlyUsd)
  return shares.length > 0 ? Math.max(...shares) : null
}
