/**
 * `routellm doctor`: is this installation able to route? One line per check (checks.ts),
 * from facts gathered once (facts.ts). Exit code 0 when nothing failed.
 */
import { CHECKS, runCheck, type Check } from './checks'
import { gatherFacts, type DoctorOptions } from './facts'
import type { CheckResult, CheckStatus, DoctorReport } from './types'

export { CHECKS, type Check } from './checks'
export { gatherFacts, loadPolicyFacts, type DoctorFacts, type DoctorOptions, type PolicyFacts } from './facts'
export type { CheckResult, CheckStatus, DoctorReport, Verdict } from './types'

/** Runs every check (concurrently; shared facts are computed once) and collects them in order. */
export async function runDoctor(options: DoctorOptions, checks: readonly Check[] = CHECKS): Promise<DoctorReport> {
  const facts = gatherFacts(options)
  const results: CheckResult[] = await Promise.all(checks.map(async (c) => ({ id: c.id, label: c.label, ...(await runCheck(c, facts)) })))
  return reportOf(facts.dataDir, results)
}

/** The report over these results: counts, and ok when none failed. */
export function reportOf(dataDir: string, results: CheckResult[]): DoctorReport {
  const summary: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0 }
  for (const r of results) summary[r.status]++
  return { ok: summary.fail === 0, dataDir, checks: results, summary }
}

/** The report as text: "ok    policy           …", one line per check, then a count. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.label.length))
  const lines = report.checks.map((c) => `${c.status.padEnd(4)}  ${c.label.padEnd(width)}  ${c.message}`)
  const { warn, fail } = report.summary
  const tail =
    fail === 0 && warn === 0
      ? 'all checks passed'
      : [fail ? `${fail} failed` : '', warn ? `${warn} ${warn === 1 ? 'warning' : 'warnings'}` : ''].filter(Boolean).join(', ')
  return `${lines.join('\n')}\n\n${tail}\n`
}
