import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'
import { errorClassOf } from './row'
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './schema'
import { retentionFromEnv, TELEMETRY_FILE, TelemetryStore, type TelemetryStoreOptions } from './store'
import { decisionOf, hop, outcomeOf, rowOf } from '../../../test/support/telemetry'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)

let dir: string
let logs: string[]
let clock: number
const open: TelemetryStore[] = []

function store(over: Partial<TelemetryStoreOptions> = {}): TelemetryStore {
  const s = new TelemetryStore({ dataDir: dir, log: (l) => logs.push(l), now: () => clock, ...over })
  open.push(s)
  return s
}

const file = () => join(dir, TELEMETRY_FILE)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'routellm-telemetry-'))
  logs = []
  clock = T0
})
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('opening and migrations', () => {
  it('creates telemetry.db in WAL mode, synchronous=NORMAL, at the current schema version, owner-only', () => {
    const s = store()
    expect(s.path).toBe(file())
    expect(s.info()).toMatchObject({ file: file(), schemaVersion: SCHEMA_VERSION, rows: 0 })
    s.close()
    const db = new Database(file())
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      const columns = (db.prepare('PRAGMA table_info(requests)').all() as { name: string }[]).map((c) => c.name)
      expect(columns).toEqual(expect.arrayContaining(['id', 'ts', 'decision_id', 'tier', 'pillars', 'hop_errors', 'outcome', 'feedback']))
    } finally {
      db.close()
    }
    if (process.platform !== 'win32') expect(statSync(file()).mode & 0o077).toBe(0)
    expect(logs).toEqual([])
  })

  it('sets synchronous=NORMAL on the connection it writes with', () => {
    const s = store()
    // 1 = NORMAL; read through the store's own connection.
    expect((s as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(1)
  })

  it('reopening runs no migration again and keeps the rows', () => {
    const a = store()
    a.record(outcomeOf({ requestId: 'keep-me' }))
    a.close()
    const b = store()
    expect(b.get('keep-me')?.requestId).toBe('keep-me')
    expect(b.info().schemaVersion).toBe(SCHEMA_VERSION)
  })

  it('upgrades an older file in place with a new migration, rows kept', () => {
    const a = store()
    a.record(outcomeOf({ requestId: 'old-row' }))
    a.close()
    const v2: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test: add a column',
      up: (db) => db.exec('ALTER TABLE requests ADD COLUMN extra INTEGER NOT NULL DEFAULT 7'),
    }
    const b = store({ migrations: [...MIGRATIONS, v2] })
    expect(b.info().schemaVersion).toBe(SCHEMA_VERSION + 1)
    expect(b.get('old-row')?.requestId).toBe('old-row')
    b.close()
    const db = new Database(file())
    expect(db.prepare('SELECT extra FROM requests').pluck().get()).toBe(7)
    db.close()
  })

  it('a failing migration rolls back: version and file untouched, telemetry kept in memory with a warning', () => {
    store().close()
    const broken: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test: fails half way',
      up: (db) => {
        db.exec('ALTER TABLE requests ADD COLUMN half INTEGER')
        throw new Error('boom in migration')
      },
    }
    const s = store({ migrations: [...MIGRATIONS, broken] })
    expect(s.path).toBeNull()
    // The same migration fails in memory too: telemetry is off for the session, the app runs on.
    expect(logs.join('\n')).toMatch(/boom in migration.*in memory/)
    expect(logs.join('\n')).toMatch(/telemetry is off for this session/)
    expect(() => s.record(outcomeOf({ requestId: 'mem' }))).not.toThrow()
    expect(s.summary().requests).toBe(0)
    expect(s.info()).toMatchObject({ file: null, rows: 0 })
    const db = new Database(file())
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect((db.prepare('PRAGMA table_info(requests)').all() as { name: string }[]).some((c) => c.name === 'half')).toBe(false)
    db.close()
  })

  it('a file from a newer RouteLLM is set aside (never downgraded) and a fresh one is used', () => {
    store().close()
    const db = new Database(file())
    db.pragma('user_version = 99')
    db.close()
    const s = store()
    expect(s.path).toBe(file())
    expect(s.info().schemaVersion).toBe(SCHEMA_VERSION)
    expect(readdirSync(dir)).toContain(`${TELEMETRY_FILE}.newer-${T0}`)
    expect(logs.join('\n')).toMatch(/newer/)
  })
})

describe('batched writes', () => {
  it('queues rows off the request path and writes them in one go before any read and on close', () => {
    const s = store()
    s.insert(rowOf(1, T0))
    s.insert(rowOf(2, T0))
    const other = new Database(file(), { readonly: true })
    const count = () => other.prepare('SELECT COUNT(*) FROM requests').pluck().get()
    expect(count()).toBe(0)
    expect(s.recent(10)).toHaveLength(2)
    expect(count()).toBe(2)
    s.insert(rowOf(3, T0))
    s.close()
    expect(count()).toBe(3)
    other.close()
  })
})

describe('corrupt files', () => {
  it('garbage in telemetry.db: moved aside to telemetry.db.corrupt-<ts>, a fresh one works, a warning is logged', () => {
    writeFileSync(file(), 'this is not a database, just garbage '.repeat(200))
    writeFileSync(`${file()}-wal`, 'stale wal garbage')
    const s = store()
    expect(s.path).toBe(file())
    const aside = join(dir, `${TELEMETRY_FILE}.corrupt-${T0}`)
    expect(existsSync(aside)).toBe(true)
    expect(readFileSync(aside, 'utf8')).toMatch(/^this is not a database/)
    // The stale WAL never meets the fresh file (moved with it, or dropped by SQLite itself).
    expect(existsSync(`${file()}-wal`) ? readFileSync(`${file()}-wal`, 'utf8') : '').not.toContain('stale wal garbage')
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/unusable.*moved it aside to .*telemetry\.db\.corrupt-\d+.*fresh/)
    s.record(outcomeOf({ requestId: 'after-recovery' }))
    expect(s.get('after-recovery')?.outcome).toBe('ok')
  })

  it('short text garbage and random binary are handled the same way', () => {
    // (A file under 512 bytes is not even read as a header: SQLite treats it as empty and overwrites it.)
    for (const garbage of [Buffer.from('x'.repeat(600)), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) % 256))]) {
      writeFileSync(file(), garbage)
      const s = store()
      expect(s.path).toBe(file())
      s.record(outcomeOf())
      expect(s.info().rows).toBe(1)
      s.close()
      rmSync(file())
      clock += 1
    }
    expect(readdirSync(dir).filter((f) => f.includes('.corrupt-'))).toHaveLength(2)
  })

  it('a real database with damaged pages fails its quick check and is set aside', () => {
    const a = store({ retention: { maxAgeDays: null, maxRows: null } })
    for (let i = 0; i < 3000; i++) a.insert(rowOf(i, T0 - i))
    a.close()
    const bytes = readFileSync(file())
    expect(bytes.length).toBeGreaterThan(64 * 4096)
    // Overwrite pages in the middle of the table's b-tree.
    bytes.fill(0xa5, 16 * 4096, 48 * 4096)
    writeFileSync(file(), bytes)
    const s = store()
    expect(s.path).toBe(file())
    expect(s.info().rows).toBe(0)
    expect(readdirSync(dir).some((f) => f.startsWith(`${TELEMETRY_FILE}.corrupt-`))).toBe(true)
    expect(logs.join('\n')).toMatch(/moved it aside/)
  })

  it('a data folder that cannot hold the file: telemetry in memory for the session, never a throw', () => {
    const notADir = join(dir, 'plain-file')
    writeFileSync(notADir, 'x')
    const s = store({ dataDir: notADir })
    expect(s.path).toBeNull()
    expect(logs.join('\n')).toMatch(/in memory/)
    s.record(outcomeOf({ requestId: 'm1' }))
    expect(s.recent(10).map((r) => r.requestId)).toEqual(['m1'])
  })

  it('writes after close are ignored, and record never throws', () => {
    const s = store()
    s.close()
    expect(() => s.record(outcomeOf())).not.toThrow()
    expect(s.recent()).toEqual([])
    expect(s.setFeedback('x', 'up')).toBeNull()
    expect(s.summary().requests).toBe(0)
    expect(() => s.record({ nonsense: true } as never)).not.toThrow()
  })
})

describe('rows', () => {
  it('one row per generation with the decision, the arm, hops, outcome and figures', () => {
    const s = store()
    const decision = decisionOf('cloud', { complexity: 82.5, threshold: 60, pinned: 'override' })
    s.record(
      outcomeOf({
        requestId: 'r1',
        decision,
        servedBy: { tier: 'local', endpoint: 'ollama', model: 'llama3.2:1b' },
        hops: [hop('cloud', 'gpt-4o-mini', 'rate-limited'), hop('cloud2', 'x', 'timeout')],
        ttftMs: 123.4,
        totalMs: 987.6,
        inputTokens: 42,
        outputTokens: 7,
        costUsd: 0.0012,
      }),
    )
    const row = s.get('r1')!
    expect(TelemetryRow.parse(row)).toEqual(row)
    expect(row).toMatchObject({
      requestId: 'r1',
      at: new Date(T0).toISOString(),
      decisionId: decision.id,
      tier: 'cloud',
      pinned: 'override',
      complexity: 82.5,
      threshold: 60,
      pillars: [
        { pillar: 'rules', status: 'scored', score: 30 },
        { pillar: 'semantic', status: 'abstained', score: null },
      ],
      servedTier: 'local',
      endpoint: 'ollama',
      model: 'llama3.2:1b',
      hops: 2,
      hopErrors: ['rate-limited', 'timeout'],
      outcome: 'ok',
      errorClass: null,
      ttftMs: 123.4,
      totalMs: 987.6,
      inputTokens: 42,
      outputTokens: 7,
      costUsd: 0.0012,
      feedback: null,
    })
    expect(Object.keys(row.pillars[0]!)).toEqual(['pillar', 'status', 'score', 'confidence'])
  })

  it('classifies failures: the last hop, an interrupted stream, no endpoint at all, aborted', () => {
    const failedFirst = outcomeOf({ ok: false, servedBy: { tier: 'cloud', endpoint: 'cloud', model: 'g' }, hops: [hop('cloud', 'g', 'unavailable')] })
    const interrupted = outcomeOf({ ok: false, servedBy: { tier: 'cloud', endpoint: 'cloud', model: 'g' }, hops: [] })
    const none = outcomeOf({ ok: false, servedBy: null, hops: [] })
    const aborted = outcomeOf({ ok: false, aborted: true })
    expect([failedFirst, interrupted, none, aborted, outcomeOf()].map(errorClassOf)).toEqual(['unavailable', 'interrupted', 'no-endpoint', null, null])
    const s = store()
    for (const o of [failedFirst, interrupted, none, aborted]) s.record(o)
    expect(s.get(none.requestId)).toMatchObject({ outcome: 'error', errorClass: 'no-endpoint', endpoint: null, servedTier: null })
    expect(s.get(aborted.requestId)).toMatchObject({ outcome: 'aborted', errorClass: null })
  })

  it('recent: newest first, limited, at most 200', () => {
    const s = store()
    for (let i = 0; i < 5; i++) {
      clock = T0 + i * 1000
      s.record(outcomeOf({ requestId: `r${i}` }))
    }
    expect(s.recent(3).map((r) => r.requestId)).toEqual(['r4', 'r3', 'r2'])
    for (let i = 0; i < 250; i++) s.insert(rowOf(i, T0 + 10_000 + i))
    expect(s.recent(1000)).toHaveLength(200)
  })

  it('feedback: unknown id → null; the first rating, the same again, then a change', () => {
    const s = store()
    s.record(outcomeOf({ requestId: 'r1' }))
    expect(s.setFeedback('nope', 'up')).toBeNull()
    expect(s.setFeedback('r1', 'up')).toMatchObject({ previous: null, row: { feedback: 'up', endpoint: 'ollama' } })
    expect(s.setFeedback('r1', 'up')).toMatchObject({ previous: 'up' })
    expect(s.setFeedback('r1', 'down')).toMatchObject({ previous: 'up', row: { feedback: 'down' } })
    expect(s.get('r1')?.feedback).toBe('down')
  })

  it('the same request recorded twice is one row, and keeps its rating', () => {
    const s = store()
    s.record(outcomeOf({ requestId: 'dup', totalMs: 1 }))
    s.setFeedback('dup', 'up')
    s.record(outcomeOf({ requestId: 'dup', totalMs: 2 }))
    expect(s.info().rows).toBe(1)
    expect(s.get('dup')).toMatchObject({ totalMs: 2, feedback: 'up' })
  })
})

describe('summary', () => {
  it('an empty store: zeros and nulls, valid against the contract', () => {
    const summary = store().summary()
    expect(TelemetrySummary.parse(summary)).toEqual(summary)
    expect(summary).toMatchObject({ requests: 0, localShare: null, cloudShare: null, errorRate: null, costUsd: 0, endpoints: [] })
    expect(summary.tiers.local).toEqual({ requests: 0, errors: 0, latencyMs: null, ttftMs: null, costUsd: 0 })
  })

  it('counts, shares, error rate, nearest-rank percentiles per tier, cost, tokens, feedback, endpoints', () => {
    const s = store()
    // 10 local answers with total 100..1000 ms, ttft 10..100 ms.
    for (let i = 1; i <= 10; i++) s.record(outcomeOf({ requestId: `l${i}`, totalMs: i * 100, ttftMs: i * 10, inputTokens: 10, outputTokens: 20 }))
    // 4 cloud: 3 ok (cost 0.01 each), 1 error after failing over from the cloud to nothing.
    for (let i = 1; i <= 3; i++)
      s.record(outcomeOf({ tier: 'cloud', requestId: `c${i}`, totalMs: 2000 * i, ttftMs: 500 * i, costUsd: 0.01, inputTokens: 100, outputTokens: 200 }))
    s.record(
      outcomeOf({
        tier: 'cloud',
        requestId: 'c-err',
        ok: false,
        ttftMs: null,
        totalMs: 99_999,
        hops: [hop('cloud', 'gpt-4o-mini', 'timeout')],
        inputTokens: 0,
        outputTokens: 0,
      }),
    )
    // 1 aborted local, 1 cloud decision answered locally (failover): counts as local.
    s.record(outcomeOf({ requestId: 'ab', ok: false, aborted: true, totalMs: 5 }))
    s.record(
      outcomeOf({
        requestId: 'fo',
        decision: decisionOf('cloud'),
        servedBy: { tier: 'local', endpoint: 'ollama', model: 'llama3.2:1b' },
        hops: [hop('cloud', 'gpt-4o-mini', 'unavailable')],
        totalMs: 1100,
        ttftMs: 110,
      }),
    )
    s.setFeedback('l1', 'up')
    s.setFeedback('l2', 'up')
    s.setFeedback('c1', 'down')

    const sum = s.summary()
    expect(TelemetrySummary.parse(sum)).toEqual(sum)
    expect(sum).toMatchObject({ windowHours: null, since: null, requests: 16, ok: 14, errors: 1, aborted: 1 })
    expect(sum.localShare).toBeCloseTo(12 / 16)
    expect(sum.cloudShare).toBeCloseTo(4 / 16)
    expect(sum.errorRate).toBeCloseTo(1 / 15)
    expect(sum.costUsd).toBeCloseTo(0.03)
    expect(sum.feedback).toEqual({ up: 2, down: 1 })
    // local ok totals: 100..1000 and 1100 (11 values) → p50 = 6th = 600, p95 = ceil(10.45) = 11th = 1100.
    expect(sum.tiers.local).toEqual({ requests: 12, errors: 0, latencyMs: { p50: 600, p95: 1100 }, ttftMs: { p50: 60, p95: 110 }, costUsd: 0 })
    // cloud ok totals: 2000, 4000, 6000 → p50 = 2nd, p95 = 3rd; the error's 99 999 ms is not a latency sample.
    expect(sum.tiers.cloud).toMatchObject({ requests: 4, errors: 1, latencyMs: { p50: 4000, p95: 6000 }, ttftMs: { p50: 1000, p95: 1500 } })
    expect(sum.tiers.cloud.costUsd).toBeCloseTo(0.03)
    expect(sum.tokens.input).toBe(10 * 10 + 300 + 12 * 2)
    expect(sum.endpoints).toEqual([
      { endpoint: 'ollama', model: 'llama3.2:1b', tier: 'local', requests: 12, errors: 0 },
      { endpoint: 'cloud', model: 'gpt-4o-mini', tier: 'cloud', requests: 4, errors: 1 },
    ])
  })

  it('a window in hours counts only the rows inside it', () => {
    const s = store()
    clock = T0 - 3 * 3_600_000
    s.record(outcomeOf({ requestId: 'old', tier: 'cloud' }))
    clock = T0
    s.record(outcomeOf({ requestId: 'new' }))
    const last2h = s.summary({ windowHours: 2 })
    expect(last2h).toMatchObject({ windowHours: 2, since: new Date(T0 - 2 * 3_600_000).toISOString(), requests: 1, localShare: 1 })
    expect(s.summary({ windowHours: 4 }).requests).toBe(2)
  })
})

describe('summary plans', () => {
  it('a window answers exactly like everything kept over the same rows (index walk vs. sort)', () => {
    const windowed = store()
    const everything = new TelemetryStore({ dataDir: null, now: () => clock })
    open.push(everything)
    windowed.insert(rowOf(0, T0 - 10 * 3_600_000, { requestId: 'outside', totalMs: 1, costUsd: 5 }))
    for (let i = 1; i <= 300; i++) {
      const row = rowOf(i, T0 - i * 1000, { totalMs: (i * 7919) % 1009, ttftMs: i % 3 === 0 ? null : (i * 104729) % 211 })
      windowed.insert(row)
      everything.insert(row)
    }
    const a = windowed.summary({ windowHours: 5 })
    const b = everything.summary()
    expect({ ...a, windowHours: null, since: null }).toEqual(b)
    expect(b.tiers.local.latencyMs).not.toBeNull()
    expect(b.tiers.cloud.ttftMs).not.toBeNull()
    // And the whole store, through its own all-rows plan, counts the row outside the window too.
    expect(windowed.summary().requests).toBe(301)
  })
})

describe('retention', () => {
  it('rows older than 90 days (the default) are pruned on open', () => {
    const a = store()
    a.insert(rowOf(1, T0 - 91 * DAY))
    a.insert(rowOf(2, T0 - 89 * DAY))
    a.insert(rowOf(3, T0))
    expect(a.info().rows).toBe(3) // pruning runs on open, not on every insert
    a.close()
    const b = store()
    expect(
      b
        .recent(10)
        .map((r) => r.requestId)
        .sort(),
    ).toEqual(['req-2', 'req-3'])
    expect(b.retention).toEqual({ maxAgeDays: 90, maxRows: 1_000_000 })
  })

  it('days and rows are configurable; the newest rows are kept; pruning also runs every N inserts', () => {
    const a = store({ retention: { maxAgeDays: 7, maxRows: 5 }, pruneEvery: 10 })
    for (let i = 0; i < 9; i++) a.insert(rowOf(i, T0 - (9 - i) * 1000))
    expect(a.info().rows).toBe(9)
    a.insert(rowOf(9, T0 - 8 * DAY)) // the 10th insert prunes: too old, and beyond 5 rows
    expect(a.recent(10).map((r) => r.requestId)).toEqual(['req-8', 'req-7', 'req-6', 'req-5', 'req-4'])
    expect(a.prune()).toBe(0)
  })

  it('ROUTELLM_TELEMETRY_DAYS / _MAX_ROWS: numbers, 0 = no limit, garbage ignored with a warning', () => {
    expect(retentionFromEnv({ ROUTELLM_TELEMETRY_DAYS: '30', ROUTELLM_TELEMETRY_MAX_ROWS: '0' })).toEqual({ maxAgeDays: 30, maxRows: null })
    const warned: string[] = []
    expect(retentionFromEnv({ ROUTELLM_TELEMETRY_DAYS: 'forever' }, (l) => warned.push(l))).toEqual({})
    expect(warned[0]).toMatch(/ROUTELLM_TELEMETRY_DAYS/)
    expect(retentionFromEnv({})).toEqual({})
  })
})

describe('privacy: no prompt or answer text is ever stored', () => {
  const CANARY = 'CANARY-7b1e9f-purple-elephant'

  function scan(): { file: string; hit: boolean }[] {
    return readdirSync(dir)
      .filter((f) => f.startsWith(TELEMETRY_FILE))
      .map((f) => ({ file: f, hit: readFileSync(join(dir, f)).includes(CANARY) }))
  }

  it('a canary in the explanation, pillar reasons and details, and hop messages never reaches the database files', () => {
    const s = store()
    const decision = decisionOf('cloud', {
      explanation: `The prompt "${CANARY}" needs the cloud.`,
      trace: [
        { pillar: 'rules', status: 'scored', score: 70, confidence: 1, reason: `matched ${CANARY}`, ms: 0, detail: { excerpt: CANARY } },
        { pillar: 'judge', status: 'scored', score: 80, confidence: 1, reason: `the judge said ${CANARY}`, ms: 0 },
      ],
    })
    for (let i = 0; i < 50; i++) {
      s.record(
        outcomeOf({
          requestId: `canary-${i}`,
          decision,
          tier: 'cloud',
          ok: i % 2 === 0,
          hops: [hop('cloud', 'gpt-4o-mini', 'bad-request', 'cloud', `upstream said: ${CANARY}`)],
        }),
      )
    }
    s.setFeedback('canary-0', 'up')
    // While open (rows in the WAL) and after close (checkpointed into the main file).
    const whileOpen = scan()
    expect(whileOpen.map((f) => f.file)).toContain(`${TELEMETRY_FILE}-wal`)
    expect(whileOpen.filter((f) => f.hit)).toEqual([])
    // The scan does find what is stored: a positive control.
    expect(readFileSync(join(dir, `${TELEMETRY_FILE}-wal`)).includes('canary-0')).toBe(true)
    s.close()
    expect(scan().filter((f) => f.hit)).toEqual([])
    expect(readFileSync(file()).includes('canary-0')).toBe(true)
  })
})
