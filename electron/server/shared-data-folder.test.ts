// Black-box: several `serve` processes and CLI one-shots on one ROUTELLM_HOME, each a fresh
// process started as a user would, against the Ollama and OpenAI doubles.
import Database from 'better-sqlite3'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ServeProcess } from '../../e2e/serve-process'
import { useServeStack } from '../../test/support/serve-stack'

const KEY = 'sk-shared-folder-double'
const PROMPT = 'Compare two approaches to caching in a web service.'
const SYNC_MS = 200

const stack = useServeStack({ key: KEY, cloudReply: 'A cloud answer of a few tokens.', syncMs: SYNC_MS })
const serve = stack.serve

/** What state.db holds, read as another process would. */
function stateOf(home: string): { pulls: number; spend: number } {
  const db = new Database(join(home, 'state.db'), { readonly: true, timeout: 2000 })
  try {
    const pulls = (db.prepare('SELECT COALESCE(SUM(pulls), 0) FROM arms').pluck().get() as number) ?? 0
    const spend = (db.prepare('SELECT COALESCE(SUM(usd), 0) FROM spend').pluck().get() as number) ?? 0
    return { pulls, spend }
  } finally {
    db.close()
  }
}

function telemetryRows(home: string): number {
  const db = new Database(join(home, 'telemetry.db'), { readonly: true, timeout: 2000 })
  try {
    return db.prepare('SELECT COUNT(*) FROM requests').pluck().get() as number
  } finally {
    db.close()
  }
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9

describe('one data folder, many processes', () => {
  it('two hosts plus CLI runs record every answer’s spend and pull, and share caps and the offline switch', { timeout: 240_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'routellm-shared-'))
    // One answer's cost, from a CLI run (the first process on the folder).
    const first = await stack.cli(home, ['chat', PROMPT, '--tier', 'cloud', '--json'])
    expect(first.code).toBe(0)
    const unit = (JSON.parse(first.stdout) as { costUsd: number }).costUsd
    expect(unit).toBeGreaterThan(0)

    const [a, b] = await Promise.all([serve(home), serve(home)])
    const load = (host: ServeProcess, n: number) => Promise.all(Array.from({ length: n }, () => host.complete('routellm/cloud', PROMPT)))
    const [fromA, fromB, cli] = await Promise.all([load(a, 15), load(b, 15), stack.cli(home, ['chat', PROMPT, '--tier', 'cloud', '--json'])])
    for (const r of [...fromA, ...fromB]) expect(r.status).toBe(200)
    expect(cli.code).toBe(0)
    const answers = 1 + 15 + 15 + 1

    // Every answer's pull and spend is in state.db, and both hosts see the whole spend.
    await expect.poll(() => stateOf(home).pulls, { timeout: 15_000 }).toBe(answers)
    expect(close(stateOf(home).spend, answers * unit)).toBe(true)
    for (const host of [a, b]) {
      await expect.poll(async () => close((await host.rpc<{ todayUsd: number }>('cost.summary')).todayUsd, answers * unit), { timeout: 15_000 }).toBe(true)
    }

    // A cap set through one host holds in the other and in a CLI run.
    await a.rpc('cost.setBudget', { dailyUsd: unit, action: 'refuse' })
    await expect.poll(async () => (await b.rpc<{ exceeded: string | null }>('cost.summary')).exceeded, { timeout: 15_000 }).toBe('daily')
    const before = stack.cloud.requests.length
    expect((await b.complete('routellm/cloud', PROMPT)).status).not.toBe(200)
    const refused = await stack.cli(home, ['chat', PROMPT, '--tier', 'cloud'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/budget/i)
    expect(stack.cloud.requests.length).toBe(before)
    await b.rpc('cost.setBudget', { dailyUsd: null })
    await expect.poll(async () => (await a.rpc<{ exceeded: string | null }>('cost.summary')).exceeded, { timeout: 15_000 }).toBeNull()

    // The offline switch flipped in one host is on in the other and in a CLI run.
    await b.rpc('network.setOffline', { offline: true })
    await expect.poll(async () => (await a.rpc<{ network: { offline: boolean } }>('health.status')).network.offline, { timeout: 15_000 }).toBe(true)
    const offline = await stack.cli(home, ['chat', PROMPT, '--json'])
    expect((JSON.parse(offline.stdout) as { servedBy: { tier: string } }).servedBy.tier).toBe('local')
    expect(stack.cloud.requests.length).toBe(before)
    await a.rpc('network.setOffline', { offline: false })
    await expect.poll(async () => (await b.rpc<{ network: { offline: boolean } }>('health.status')).network.offline, { timeout: 15_000 }).toBe(false)
  })

  it(
    'kill -9 under load loses only what came after the last write-behind: no answer a sync wrote, no telemetry row a batch wrote, nothing counted twice',
    { timeout: 240_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'routellm-kill-'))
      const host = await serve(home)
      const CONCURRENCY = 4
      let completed = 0
      let stop = false
      const worker = async () => {
        while (!stop) {
          const r = await host.complete('routellm/cloud', PROMPT).catch(() => null)
          if (r?.status === 200) completed++
        }
      }
      const workers = Array.from({ length: CONCURRENCY }, worker)
      // Under load, wait until the write-behind has put at least 20 answers and 20 telemetry rows on disk, then kill -9 at once.
      let persisted = 0
      let rowsOnDisk = 0
      await expect
        .poll(
          () => {
            persisted = stateOf(home).pulls
            rowsOnDisk = telemetryRows(home)
            return Math.min(persisted, rowsOnDisk)
          },
          { timeout: 60_000, interval: 50 },
        )
        .toBeGreaterThanOrEqual(20)
      await host.kill9()
      stop = true
      await Promise.all(workers)

      const after = stateOf(home)
      expect(after.pulls).toBeGreaterThanOrEqual(persisted)
      expect(after.pulls).toBeLessThanOrEqual(completed + CONCURRENCY)
      expect(telemetryRows(home)).toBeGreaterThanOrEqual(rowsOnDisk)
      expect(telemetryRows(home)).toBeLessThanOrEqual(completed + CONCURRENCY)
      // Spend is written behind on the same interval.
      expect(after.spend).toBeGreaterThan(0)

      // The folder is whole: a new host starts on it and keeps counting.
      const again = await serve(home)
      expect((await again.complete('routellm/cloud', PROMPT)).status).toBe(200)
      await expect.poll(() => stateOf(home).pulls, { timeout: 15_000 }).toBe(after.pulls + 1)
    },
  )
})
