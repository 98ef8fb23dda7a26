import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TelemetryRow } from '../../../shared/telemetry'
import { promptKeyOf } from '../chat/directive'
import { migrate, MIGRATIONS, SCHEMA_VERSION } from './schema'
import { TELEMETRY_FILE, TelemetryStore } from './store'
import { decisionOf, outcomeOf } from '../../../test/support/telemetry'

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)
let dir: string
let clock: number
const open: TelemetryStore[] = []

function store(windowMs = 120_000): TelemetryStore {
  const s = new TelemetryStore({ dataDir: dir, now: () => clock, retryWindowMs: () => windowMs })
  open.push(s)
  return s
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'routellm-signals-'))
  clock = T0
})
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  rmSync(dir, { recursive: true, force: true })
})

const semanticTrace = (cluster: string) => [
  { pillar: 'rules' as const, status: 'scored' as const, score: 30, confidence: 0.4, reason: 'r', ms: 0.1 },
  {
    pillar: 'semantic' as const,
    status: 'scored' as const,
    score: 55,
    confidence: 0.7,
    reason: 'r',
    ms: 1,
    detail: { nearest: { id: cluster, name: 'Maths', tier: 'cloud', similarity: 0.4 } },
  },
]

describe('schema migration on an existing file', () => {
  it('a version 1 file with rows is upgraded in place: rows kept, the new signals read as null, new rows carry them', () => {
    // A file as RouteLLM wrote it before the signals existed: version 1, one row, written with its columns.
    const v1 = new Database(join(dir, TELEMETRY_FILE))
    migrate(v1, MIGRATIONS.slice(0, 1))
    v1.prepare(
      `INSERT INTO requests (id, ts, decision_id, tier, complexity, threshold, pillars, outcome, total_ms, input_tokens, output_tokens, cost_usd)
       VALUES ('old', ?, 'd', 'local', 20, 65, '[{"pillar":"rules","status":"scored","score":30}]', 'ok', 100, 1, 1, 0)`,
    ).run(T0)
    v1.close()
    const s = store()
    expect(s.info()).toMatchObject({ schemaVersion: SCHEMA_VERSION, rows: 1 })
    const old = s.get('old')!
    expect(TelemetryRow.parse(old)).toMatchObject({ cluster: null, retryOf: null, retriedBy: null, pillars: [{ pillar: 'rules', score: 30 }] })
    expect(old.pillars[0]!.confidence).toBeUndefined()
    s.record(outcomeOf({ requestId: 'new', decision: decisionOf('local', { trace: semanticTrace('maths') }) }))
    const fresh = s.get('new')!
    expect(fresh.cluster).toBe('maths')
    expect(fresh.pillars.map((p) => p.confidence)).toEqual([0.4, 0.7])
    s.close()
    const db = new Database(join(dir, TELEMETRY_FILE))
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    } finally {
      db.close()
    }
  })
})

describe('retry in the cloud', () => {
  it('an explicit retry links the cloud answer to the local one, which now counts as retried', () => {
    const s = store()
    s.record(outcomeOf({ requestId: 'local-1', tier: 'local' }))
    s.record(outcomeOf({ requestId: 'cloud-1', tier: 'cloud', retryOf: 'local-1' }))
    expect(s.get('cloud-1')!.retryOf).toBe('local-1')
    expect(s.get('local-1')!.retriedBy).toBe('cloud-1')
  })

  it('a retry naming a cloud answer does not mark it as a failed local answer', () => {
    const s = store()
    s.record(outcomeOf({ requestId: 'c0', tier: 'cloud' }))
    s.record(outcomeOf({ requestId: 'c1', tier: 'cloud', retryOf: 'c0' }))
    expect(s.get('c0')!.retriedBy).toBeNull()
  })

  const cloudOverride = () => decisionOf('cloud', { pinned: 'override' })

  it('an @cloud re-send of the same prompt inside the window is a retry; after it, or of another prompt, it is not', () => {
    const s = store(120_000)
    const same = promptKeyOf('what is 17 * 23?')
    s.record(outcomeOf({ requestId: 'a', tier: 'local', promptKey: same }))
    clock += 60_000
    s.record(outcomeOf({ requestId: 'a-cloud', decision: cloudOverride(), tier: 'cloud', promptKey: same }))
    expect(s.get('a')!.retriedBy).toBe('a-cloud')

    s.record(outcomeOf({ requestId: 'b', tier: 'local', promptKey: same }))
    clock += 121_000
    s.record(outcomeOf({ requestId: 'b-cloud', decision: cloudOverride(), tier: 'cloud', promptKey: same }))
    expect(s.get('b')!.retriedBy).toBeNull()

    s.record(outcomeOf({ requestId: 'c', tier: 'local', promptKey: same }))
    s.record(outcomeOf({ requestId: 'c-cloud', decision: cloudOverride(), tier: 'cloud', promptKey: promptKeyOf('another prompt') }))
    expect(s.get('c')!.retriedBy).toBeNull()
  })

  it('the same prompt routed to the cloud by the index (not pinned by the user) is not a retry', () => {
    const s = store()
    const key = promptKeyOf('hello')
    s.record(outcomeOf({ requestId: 'l', tier: 'local', promptKey: key }))
    s.record(outcomeOf({ requestId: 'r', tier: 'cloud', promptKey: key }))
    expect(s.get('l')!.retriedBy).toBeNull()
  })

  it('the prompt key never reaches the database', () => {
    const s = store()
    const key = promptKeyOf('a private prompt')
    s.record(outcomeOf({ requestId: 'k', tier: 'local', promptKey: key }))
    s.close()
    const db = new Database(join(dir, TELEMETRY_FILE))
    try {
      const dump = JSON.stringify(db.prepare('SELECT * FROM requests').all())
      expect(dump).not.toContain(key)
    } finally {
      db.close()
    }
  })
})
