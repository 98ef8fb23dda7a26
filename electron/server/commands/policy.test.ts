// Black-box: `routellm policy …` in fresh processes on a fresh data folder.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli as runCliProcess } from '../../../e2e/serve-process'

// Six fresh processes one after another, each loading the CLI through tsx: about 1.3 s of CPU
// each, but 6–14 s of wall time at load average 13, so the bound is generous. A process still running
// when the test times out is ended with it, not left behind in the worker.
const SLOW = 360_000

describe('routellm policy', () => {
  it('diff names each changed field and its source; reset is audited and revert restores the file byte for byte', { timeout: SLOW }, async ({ signal }) => {
    const runCli = (home: string, args: string[]) => runCliProcess(home, args, {}, signal)
    const home = mkdtempSync(join(tmpdir(), 'routellm-policy-cli-'))
    const overrideFile = join(home, 'threshold-override.json')
    writeFileSync(join(home, 'policy.json'), JSON.stringify({ version: 1, weights: { judge: 0 } }))
    const original = '{ "version": 1, "threshold": 58, "note": "calibrated earlier" }\n'
    writeFileSync(overrideFile, original)

    const diff = await runCli(home, ['policy', 'diff'])
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain('threshold: 65 → 58 (override)')
    expect(diff.stdout).toContain('weights.judge: 1 → 0 (policy-file)')

    const reset = await runCli(home, ['policy', 'reset'])
    expect(reset.code).toBe(0)
    expect(reset.stdout).toMatch(/override removed .*threshold in force 65/)
    expect(existsSync(overrideFile)).toBe(false)

    const audit = await runCli(home, ['policy', 'audit', '--json'])
    const entries = (JSON.parse(audit.stdout) as { entries: { id: string; actor: string; patchBefore: unknown; patchAfter: unknown }[] }).entries
    expect(entries).toEqual([expect.objectContaining({ actor: 'user', patchBefore: { threshold: 58 }, patchAfter: null })])

    const revert = await runCli(home, ['policy', 'revert', entries[0]!.id])
    expect(revert.code).toBe(0)
    expect(readFileSync(overrideFile, 'utf8')).toBe(original)
    expect((await runCli(home, ['policy', 'audit'])).stdout.split('\n').filter(Boolean)).toHaveLength(2)

    const unknown = await runCli(home, ['policy', 'revert', 'nope'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('no policy audit entry "nope"')
  })
})
