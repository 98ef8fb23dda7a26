import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TelemetrySummary } from '../../../shared/telemetry'
import { TELEMETRY_FILE, TelemetryStore } from '../../core/telemetry/index'
import { hop, outcomeOf } from '../../../test/support/telemetry'
import { main } from '../cli'
import { captureIo } from '../../../test/support/cli-io'

async function cli(argv: string[], home: string) {
  const { captured, ...io } = captureIo()
  const code = await main(argv, { ...io, env: { ROUTELLM_HOME: home } })
  return { code, ...captured }
}

const homes: string[] = []
function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'routellm-stats-'))
  homes.push(dir)
  return dir
}
afterEach(() => homes.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('routellm stats', () => {
  it('says there is no telemetry yet, without creating a database', async () => {
    const dir = home()
    const { code, out } = await cli(['stats'], dir)
    expect(code).toBe(0)
    expect(out).toMatch(/No telemetry yet/)
    expect(existsSync(join(dir, TELEMETRY_FILE))).toBe(false)
    const json = await cli(['stats', '--json'], dir)
    expect(JSON.parse(json.out)).toMatchObject({ file: null, requests: 0 })
  })

  it('prints the summary as a table, and as JSON with --json, within --hours', async () => {
    const dir = home()
    let now = Date.now() - 5 * 3_600_000
    const store = new TelemetryStore({ dataDir: dir, now: () => now })
    store.record(outcomeOf({ requestId: 'old', tier: 'cloud', costUsd: 0.5 }))
    now = Date.now()
    for (let i = 1; i <= 3; i++) store.record(outcomeOf({ requestId: `l${i}`, totalMs: i * 100, ttftMs: i * 10 }))
    store.record(outcomeOf({ requestId: 'e', tier: 'cloud', ok: false, hops: [hop('cloud', 'gpt-4o-mini', 'timeout')] }))
    store.setFeedback('l1', 'up')
    store.close()

    const text = await cli(['stats'], dir)
    expect(text.code).toBe(0)
    expect(text.out).toContain(join(dir, TELEMETRY_FILE))
    expect(text.out).toMatch(/requests\s+5\s+ok 4 · errors 1 · aborted 0/)
    expect(text.out).toMatch(/local share\s+60\.0%\s+cloud 40\.0%/)
    expect(text.out).toMatch(/feedback\s+up 1\s+down 0/)
    expect(text.out).toMatch(/local\s+3\s+0\s+200 ms \/ 300 ms\s+20 ms \/ 30 ms/)
    expect(text.out).toMatch(/ollama\s+llama3\.2:1b\s+local\s+3/)

    const json = await cli(['stats', '--json', '--hours', '1'], dir)
    const parsed = JSON.parse(json.out) as TelemetrySummary & { file: string }
    expect(parsed.file).toBe(join(dir, TELEMETRY_FILE))
    expect(TelemetrySummary.parse(parsed)).toMatchObject({ windowHours: 1, requests: 4, errors: 1, costUsd: 0 })
  })

  it('refuses a bad --hours with usage', async () => {
    const { code, err } = await cli(['stats', '--hours', 'soon'], home())
    expect(code).toBe(2)
    expect(err).toMatch(/--hours must be a positive number/)
    expect(err).toMatch(/usage: routellm stats/)
  })
})
