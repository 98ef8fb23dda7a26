import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TELEMETRY_FILE, TelemetryStore, type TelemetryStoreOptions } from './store'
import { outcomeOf, rowOf } from '../../../test/support/telemetry'

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)

let dir: string
let logs: string[]
const open: TelemetryStore[] = []

function store(over: Partial<TelemetryStoreOptions> = {}): TelemetryStore {
  const s = new TelemetryStore({ dataDir: dir, log: (l) => logs.push(l), now: () => T0, ...over })
  open.push(s)
  return s
}

/** What the tests look at inside a store: its main connection and its writer thread. */
interface Inside {
  db: Database.Database
  worker: { worker: { terminate(): Promise<number> } } | null
}
const inside = (s: TelemetryStore) => s as unknown as Inside
/** Rows this store's main connection has written, inserted or deleted since it opened. */
const mainWrites = (s: TelemetryStore) => inside(s).db.prepare('SELECT total_changes()').pluck().get() as number

function rowsOnDisk(): number {
  const db = new Database(join(dir, TELEMETRY_FILE), { readonly: true })
  try {
    return db.prepare('SELECT COUNT(*) FROM requests').pluck().get() as number
  } finally {
    db.close()
  }
}

/** A SQLite module for the writer thread whose every write transaction fails as a full disk would. */
function failingDriver(): string {
  const file = join(dir, 'failing-sqlite.cjs')
  const real = createRequire(import.meta.url).resolve('better-sqlite3')
  writeFileSync(
    file,
    `const Database = require(${JSON.stringify(real)})
module.exports = class extends Database {
  transaction() { return () => { throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }) } }
}`,
  )
  return file
}

const writerStopped = () => logs.filter((l) => /writer thread stopped/.test(l))

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'routellm-telemetry-writer-'))
  logs = []
})
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the writer thread', () => {
  it('writes every batch on its own connection: the main connection writes nothing, and reads see every row at once', () => {
    const s = store()
    const before = mainWrites(s)
    // Two full batches (256 rows each) and a partial one still queued when the reads come.
    for (let i = 0; i < 600; i++) s.insert(rowOf(i, T0 - 1000 + i))
    s.record(outcomeOf({ requestId: 'last' }))
    expect(s.get('last')?.requestId).toBe('last')
    expect(s.recent(1).map((r) => r.requestId)).toEqual(['last'])
    expect(s.summary().requests).toBe(601)
    expect(s.info().rows).toBe(601)
    expect(inside(s).worker).not.toBeNull()
    expect(mainWrites(s)).toBe(before)
    expect(logs).toEqual([])
  })

  it('links a cloud retry to the local answer in the same batch, and feedback is written after the row', () => {
    const s = store()
    const before = mainWrites(s)
    s.record(outcomeOf({ requestId: 'local-1', promptKey: 'k1' }))
    s.record(outcomeOf({ requestId: 'cloud-1', tier: 'cloud', retryOf: 'local-1' }))
    expect(s.get('local-1')?.retriedBy).toBe('cloud-1')
    expect(s.get('cloud-1')?.retryOf).toBe('local-1')
    // The rating is the one write the main connection makes.
    s.record(outcomeOf({ requestId: 'rated' }))
    expect(s.setFeedback('rated', 'up')).toMatchObject({ previous: null, row: { feedback: 'up' } })
    expect(mainWrites(s) - before).toBe(1)
  })

  it('close() commits every queued and posted row before it returns', () => {
    const s = store()
    for (let i = 0; i < 1000; i++) s.insert(rowOf(i, T0 + i))
    s.close()
    expect(rowsOnDisk()).toBe(1000)
    expect(logs).toEqual([])
  })

  it('prunes on the thread by insertion order: the newest N rows inserted stay, whatever their timestamps', () => {
    const s = store({ retention: { maxAgeDays: null, maxRows: 5 }, pruneEvery: 1000 })
    const before = mainWrites(s)
    // Timestamps out of order: the rows inserted last are not the ones with the latest ts.
    for (let i = 0; i < 12; i++) s.insert(rowOf(i, T0 + ((i * 7) % 12) * 1000))
    expect(s.prune()).toBe(7)
    expect(
      s
        .recent(20)
        .map((r) => r.requestId)
        .sort(),
    ).toEqual(['req-10', 'req-11', 'req-7', 'req-8', 'req-9'])
    expect(mainWrites(s)).toBe(before)
  })
})

describe('when the writer thread fails', () => {
  it('cannot start: the rows are written on the main thread, and one line says so', () => {
    const s = store({ writerDriver: join(dir, 'no-such-sqlite-module.cjs') })
    for (let i = 0; i < 300; i++) s.insert(rowOf(i, T0 + i))
    expect(s.info().rows).toBe(300)
    s.record(outcomeOf({ requestId: 'after' }))
    expect(s.get('after')?.requestId).toBe('after')
    expect(writerStopped()).toHaveLength(1)
    expect(writerStopped()[0]).toMatch(/no-such-sqlite-module/)
    s.close()
    expect(rowsOnDisk()).toBe(301)
  })

  it('fails a write: the batch it held is written on the main thread instead, never lost', () => {
    const s = store({ writerDriver: failingDriver() })
    for (let i = 0; i < 10; i++) s.insert(rowOf(i, T0 + i))
    expect(s.recent(20)).toHaveLength(10)
    expect(writerStopped()).toHaveLength(1)
    expect(writerStopped()[0]).toMatch(/disk is full/)
    s.insert(rowOf(10, T0 + 10))
    expect(s.info().rows).toBe(11)
    expect(writerStopped()).toHaveLength(1)
  })

  it('dies while running: what it held and everything after is written on the main thread', async () => {
    const s = store()
    s.insert(rowOf(0, T0))
    expect(s.info().rows).toBe(1)
    const thread = inside(s).worker!.worker
    // Rows posted to the thread as it is being stopped: committed by it or, if not, by the main thread.
    for (let i = 1; i < 300; i++) s.insert(rowOf(i, T0 + i))
    await thread.terminate()
    expect(s.info().rows).toBe(300)
    s.insert(rowOf(300, T0 + 300))
    expect(s.recent(1)[0]?.requestId).toBe('req-300')
    expect(writerStopped()).toHaveLength(1)
    s.close()
    expect(rowsOnDisk()).toBe(301)
  })

  it('an in-memory store never starts one', () => {
    const s = store({ dataDir: null })
    s.insert(rowOf(1, T0))
    expect(s.info().rows).toBe(1)
    expect(inside(s).worker).toBeNull()
  })
})

describe('a host that forbids blocking the main thread', () => {
  it('reads still wait for the thread (by spinning on the same counter)', () => {
    const wait = vi.spyOn(Atomics, 'wait').mockImplementation(() => {
      throw new TypeError('Atomics.wait cannot be called in this context')
    })
    try {
      const s = store()
      const before = mainWrites(s)
      for (let i = 0; i < 300; i++) s.insert(rowOf(i, T0 + i))
      expect(s.info().rows).toBe(300)
      expect(wait).toHaveBeenCalled()
      expect(mainWrites(s)).toBe(before)
      expect(logs).toEqual([])
    } finally {
      wait.mockRestore()
    }
  })
})
