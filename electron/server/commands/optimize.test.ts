import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OptimizeApplyResult, OptimizeReport } from '../../../shared/optimize'
import { seedRetriedMaths } from '../../../test/support/synthetic-telemetry'
import { main } from '../cli'
import { captureIo } from '../../../test/support/cli-io'

async function cli(argv: string[], home: string) {
  const { captured, ...io } = captureIo()
  const code = await main(argv, { ...io, env: { ROUTELLM_HOME: home } })
  return { code, ...captured }
}

const homes: string[] = []
afterEach(() => homes.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A data folder whose recent local maths answers were half of them retried in the cloud. */
function seeded(): string {
  const dir = mkdtempSync(join(tmpdir(), 'routellm-optimize-cli-'))
  homes.push(dir)
  seedRetriedMaths(dir, 400)
  return dir
}

describe('routellm optimize', () => {
  it('prints the proposals with their reason and replay, and changes nothing', async () => {
    const dir = seeded()
    const { code, out } = await cli(['optimize'], dir)
    expect(code).toBe(0)
    expect(out).toMatch(/cluster "maths" offset: 0 → [1-5]\n {2}why: .*local answers failed/)
    expect(out).toMatch(/replay: local share \d+% → \d+% · failed local/)
    const json = await cli(['optimize', '--json'], dir)
    const report = OptimizeReport.parse(JSON.parse(json.out))
    expect(report.proposals.map((p) => p.id)).toEqual(['cluster:maths'])
    const audit = await cli(['policy', 'audit', '--json'], dir)
    expect(JSON.parse(audit.out).entries).toEqual([])
  })

  it('--apply writes through the audited override; policy revert puts it back', async () => {
    const dir = seeded()
    const { code, out } = await cli(['optimize', '--apply', '--json'], dir)
    expect(code).toBe(0)
    const result = OptimizeApplyResult.parse(JSON.parse(out))
    expect(result.applied).toBe(true)
    const override = JSON.parse(readFileSync(join(dir, 'threshold-override.json'), 'utf8'))
    expect(override.patch.clusterOffsets.maths).toBe(result.report.proposals[0]!.to)
    const audit = JSON.parse((await cli(['policy', 'audit', '--json'], dir)).out)
    expect(audit.entries[0]).toMatchObject({ id: result.auditId, actor: 'optimize' })
    expect((await cli(['policy', 'revert', result.auditId!], dir)).code).toBe(0)
    const after = JSON.parse((await cli(['optimize', '--json'], dir)).out)
    expect(after.proposals[0].from).toBe(0)
  })

  it('rejects arguments it does not know', async () => {
    const dir = seeded()
    expect((await cli(['optimize', 'now'], dir)).code).toBe(2)
  })
})
