/**
 * Telemetry store: insert latency (p50/p99, one transaction per row as the chat flow writes
 * them, WAL + synchronous=NORMAL, on disk) and summary/recent query time at 100k rows, next
 * to baselines measured in the same run — an in-memory array (no durability at all) and a
 * JSONL file appended per row (durable-ish, not queryable) — so numbers from different
 * machines compare. Run with `npm run bench:telemetry` (ROWS=… to change the size).
 *
 * Targets: insert p99 ≤ 1 ms (it runs on the event loop after every answer); summary at
 * 100k rows ≤ 100 ms (the dashboard reloads it after every answer); open (quick check,
 * migrations, pruning) at 100k rows ≤ 250 ms (it runs at app start).
 *
 * Then what a flushed batch of BATCH rows costs the main thread: handing it to the writer thread
 * (now) against writing it there in one transaction (before, the same statements and write
 * function on a main-thread connection to a file of its own); and the retention prune at
 * PRUNE_ROWS rows (default 1,000,000, the default cap) deleting the oldest 1,000, by insertion
 * order (now) against the newest-by-ts walk it replaced.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Tier } from '../shared/decision'
import { quantiles } from '../shared/numbers'
import { MIGRATIONS, TELEMETRY_FILE, TelemetryStore, type NewRow } from '../electron/core/telemetry/index'
import { openTelemetryDb } from '../electron/core/telemetry/recovery'
import { prepare, toParams, WRITE_SQL } from '../electron/core/telemetry/sql'
import { applyJob } from '../electron/core/telemetry/write-job'
import { rowOf } from '../test/support/telemetry'

const ROWS = Number(process.env.ROWS ?? 100_000)
const PRUNE_ROWS = Number(process.env.PRUNE_ROWS ?? 1_000_000)
/** The store's batch size (BATCH_MAX in store.ts): a full batch is flushed by the insert that fills it. */
const BATCH = 256
const BATCHES = 200
/** The retention prune before it went by insertion order: the newest rows by ts, found by walking the ts index. */
const PRUNE_BY_TS = 'DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests ORDER BY ts DESC, rowid DESC LIMIT -1 OFFSET ?)'
const DAY = 86_400_000

const stats = (samples: number[]) => quantiles(samples, { p50: 0.5, p99: 0.99 }) ?? { p50: 0, p99: 0 }
const fmt = (ms: number) => (ms < 0.01 ? `${(ms * 1000).toFixed(2)} µs` : ms < 10 ? `${ms.toFixed(3)} ms` : `${ms.toFixed(1)} ms`)

function time<T>(run: () => T, repeat: number): { p50: number; p99: number; last: T } {
  let last = run() // warm-up
  const samples: number[] = []
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now()
    last = run()
    samples.push(performance.now() - t0)
  }
  return { ...stats(samples), last }
}

/** The same figures the store computes, over a plain array (the baseline). */
function arraySummary(rows: NewRow[], since: number) {
  let n = 0,
    ok = 0,
    errors = 0,
    aborted = 0,
    local = 0,
    cost = 0
  const lat: Record<Tier, number[]> = { local: [], cloud: [] }
  const ttft: Record<Tier, number[]> = { local: [], cloud: [] }
  const endpoints = new Map<string, number>()
  for (const r of rows) {
    if (r.ts < since) continue
    n++
    const tier = r.servedTier ?? r.tier
    if (tier === 'local') local++
    cost += r.costUsd
    if (r.outcome === 'ok') {
      ok++
      lat[tier].push(r.totalMs)
      if (r.ttftMs !== null) ttft[tier].push(r.ttftMs)
    } else if (r.outcome === 'error') errors++
    else aborted++
    if (r.endpoint) endpoints.set(`${r.endpoint}\n${r.model}`, (endpoints.get(`${r.endpoint}\n${r.model}`) ?? 0) + 1)
  }
  const pct = (xs: number[]) => {
    const s = Float64Array.from(xs).sort()
    return { p50: s[Math.ceil(0.5 * s.length) - 1], p95: s[Math.ceil(0.95 * s.length) - 1] }
  }
  return {
    n,
    ok,
    errors,
    aborted,
    local: local / n,
    cost,
    latency: { local: pct(lat.local), cloud: pct(lat.cloud) },
    ttft: { local: pct(ttft.local), cloud: pct(ttft.cloud) },
    endpoints: endpoints.size,
  }
}

type Result = { what: string; sqlite: string; array: string; jsonl?: string; target?: string; ok?: boolean }

/** A figure of the write path, now against the way it was done before, both measured in this run. */
type Comparison = { what: string; now: string; before: string }

/** Main-thread time per flushed batch: the insert that fills a batch posts it (now) vs. a transaction here (before). */
function batchCost(dir: string, now: number, results: Comparison[]): void {
  const rows = Array.from({ length: BATCHES * BATCH }, (_, i) => rowOf(i, now + i))
  const store = new TelemetryStore({ dataDir: join(dir, 'batched'), retention: { maxAgeDays: null, maxRows: null }, now: () => now })
  const posted: number[] = []
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < BATCH - 1; i++) store.insert(rows[b * BATCH + i]!)
    const t0 = performance.now()
    store.insert(rows[b * BATCH + BATCH - 1]!) // fills the batch: flushed to the writer thread
    posted.push(performance.now() - t0)
  }
  const t0 = performance.now()
  const committed = store.info().rows
  const drain = performance.now() - t0
  store.close()
  if (committed !== rows.length) throw new Error(`the writer thread committed ${committed} of ${rows.length} rows`)

  const opened = openTelemetryDb(join(dir, 'in-thread.db'), { migrations: MIGRATIONS, now: () => now, log: (l) => console.error(l) })
  if (!opened) throw new Error('cannot open the baseline database')
  const s = prepare(opened.db)
  const written: number[] = []
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now()
    const job = { rows: rows.slice(b * BATCH, (b + 1) * BATCH).map(toParams), prune: null }
    opened.db.transaction(() => applyJob(s, job))()
    written.push(performance.now() - t0)
  }
  opened.db.close()
  const [p, w] = [stats(posted), stats(written)]
  results.push({ what: `main thread per ${BATCH}-row batch, p50 (post to the writer thread / write in-thread)`, now: fmt(p.p50), before: fmt(w.p50) })
  results.push({ what: `main thread per ${BATCH}-row batch, p99`, now: fmt(p.p99), before: fmt(w.p99) })
  console.log(`${BATCHES} batches of ${BATCH} rows: the writer thread had ${fmt(drain)} of them left to commit after the last post`)
}

/** The retention prune at PRUNE_ROWS rows, deleting the oldest 1,000 (as after 1,000 inserts at the cap), each statement rolled back. */
function pruneCost(dir: string, now: number, results: Comparison[]): void {
  const opened = openTelemetryDb(join(dir, 'prune.db'), { migrations: MIGRATIONS, now: () => now, log: (l) => console.error(l) })
  if (!opened) throw new Error('cannot open the prune database')
  const db = opened.db
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO requests (id, ts, decision_id, tier, complexity, threshold, pillars, served_tier, outcome, ttft_ms, total_ms, input_tokens, output_tokens, cost_usd)
     SELECT 'p-' || i, ? + i, 'd-' || i, 'local', 20, 65, '[]', 'local', 'ok', 20 + i % 200, 100 + i % 1000, 10, 50, 0 FROM n`,
  ).run(PRUNE_ROWS, now - PRUNE_ROWS)
  const statements = [db.prepare<[number]>(WRITE_SQL.pruneRows), db.prepare<[number]>(PRUNE_BY_TS)]
  const samples: number[][] = [[], []]
  const removed = [0, 0]
  // Interleaved, so that load from other processes weighs on both alike; the first round warms the cache.
  for (let round = 0; round < 11; round++) {
    statements.forEach((statement, i) => {
      db.exec('BEGIN')
      const t0 = performance.now()
      try {
        removed[i] = statement.run(PRUNE_ROWS - 1000).changes
        if (round > 0) samples[i]!.push(performance.now() - t0)
      } finally {
        db.exec('ROLLBACK')
      }
    })
  }
  const [byRowid, byTs] = samples.map(stats) as [ReturnType<typeof stats>, ReturnType<typeof stats>]
  db.close()
  if (removed[0] !== 1000 || removed[1] !== 1000) throw new Error(`prune removed ${removed[0]} (rowid) and ${removed[1]} (ts) rows, not 1000`)
  results.push({ what: `prune the oldest 1,000 of ${PRUNE_ROWS} rows, p50 (by rowid / walking the ts index)`, now: fmt(byRowid.p50), before: fmt(byTs.p50) })
}

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'routellm-telemetry-bench-'))
  const now = Date.now()
  // 100k rows over the last 30 days, oldest first (as they arrive).
  const rows = Array.from({ length: ROWS }, (_, i) => rowOf(i, now - 30 * DAY + Math.floor((i / ROWS) * 30 * DAY)))
  const results: Result[] = []
  try {
    // ---- inserts ----
    const store = new TelemetryStore({ dataDir: dir, retention: { maxAgeDays: null, maxRows: null }, now: () => now, log: (l) => console.error(l) })
    const sqliteInsert: number[] = []
    for (const row of rows) {
      const t0 = performance.now()
      store.insert(row)
      sqliteInsert.push(performance.now() - t0)
    }
    const array: NewRow[] = []
    const arrayInsert: number[] = []
    for (const row of rows) {
      const t0 = performance.now()
      array.push({ ...row })
      arrayInsert.push(performance.now() - t0)
    }
    const jsonl = join(dir, 'baseline.jsonl')
    const jsonlInsert: number[] = []
    for (const row of rows) {
      const t0 = performance.now()
      appendFileSync(jsonl, `${JSON.stringify(row)}\n`)
      jsonlInsert.push(performance.now() - t0)
    }
    const [si, ai, ji] = [stats(sqliteInsert), stats(arrayInsert), stats(jsonlInsert)]
    results.push({ what: 'insert p50', sqlite: fmt(si.p50), array: fmt(ai.p50), jsonl: fmt(ji.p50) })
    results.push({ what: 'insert p99', sqlite: fmt(si.p99), array: fmt(ai.p99), jsonl: fmt(ji.p99), target: '≤ 1 ms', ok: si.p99 <= 1 })

    // ---- queries at ROWS rows ----
    const allTime = time(() => store.summary(), 20)
    const arrayAll = time(() => arraySummary(array, Number.MIN_SAFE_INTEGER), 20)
    results.push({ what: `summary, all ${ROWS} rows (p50)`, sqlite: fmt(allTime.p50), array: fmt(arrayAll.p50), target: '≤ 100 ms', ok: allTime.p50 <= 100 })
    results.push({ what: `summary, all ${ROWS} rows (p99)`, sqlite: fmt(allTime.p99), array: fmt(arrayAll.p99) })
    const day = time(() => store.summary({ windowHours: 24 }), 50)
    const arrayDay = time(() => arraySummary(array, now - DAY), 50)
    results.push({ what: 'summary, last 24 h (p50)', sqlite: fmt(day.p50), array: fmt(arrayDay.p50), target: '≤ 20 ms', ok: day.p50 <= 20 })
    const recent = time(() => store.recent(50), 200)
    const arrayRecent = time(() => array.slice(-50).reverse(), 200)
    results.push({ what: 'recent 50 (p50)', sqlite: fmt(recent.p50), array: fmt(arrayRecent.p50) })

    // Cross-check: both computed the same figures.
    const a = arrayAll.last
    const s = allTime.last
    if (a.n !== s.requests || a.errors !== s.errors || a.latency.local.p95 !== s.tiers.local.latencyMs?.p95 || a.ttft.cloud.p50 !== s.tiers.cloud.ttftMs?.p50) {
      throw new Error(`summary mismatch: array ${JSON.stringify(a)} vs sqlite ${JSON.stringify(s)}`)
    }
    store.close()

    // ---- open: quick check + migrations + pruning, as at app start ----
    const opens: number[] = []
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now()
      new TelemetryStore({ dataDir: dir, retention: { maxAgeDays: 90, maxRows: null }, now: () => now }).close()
      opens.push(performance.now() - t0)
    }
    const open = stats(opens)
    results.push({ what: `open ${ROWS} rows (p50)`, sqlite: fmt(open.p50), array: '—', target: '≤ 250 ms', ok: open.p50 <= 250 })

    const batchResults: Comparison[] = []
    batchCost(dir, now, batchResults)
    pruneCost(dir, now, batchResults)

    const size = statSync(join(dir, TELEMETRY_FILE)).size
    const jsonlSize = statSync(jsonl).size
    console.log(`telemetry bench: ${ROWS} rows, node ${process.version}, ${process.platform}/${process.arch}`)
    console.log(`file size: telemetry.db ${(size / 1e6).toFixed(1)} MB (${Math.round(size / ROWS)} B/row); JSONL baseline ${(jsonlSize / 1e6).toFixed(1)} MB\n`)
    const header = ['measure', 'sqlite (WAL, NORMAL)', 'array (memory)', 'jsonl append', 'target', '']
    const table = [header, ...results.map((r) => [r.what, r.sqlite, r.array, r.jsonl ?? '—', r.target ?? '', r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED'])]
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
    for (const row of table)
      console.log(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
    const compared = [['write path', 'now', 'before'], ...batchResults.map((r) => [r.what, r.now, r.before])]
    const cw = [0, 1, 2].map((i) => Math.max(...compared.map((row) => row[i]!.length)))
    console.log('')
    for (const row of compared)
      console.log(
        row
          .map((cell, i) => cell.padEnd(cw[i]!))
          .join('  ')
          .trimEnd(),
      )
    if (results.some((r) => r.ok === false)) process.exitCode = 1
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main()
