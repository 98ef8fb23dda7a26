import { createRequire } from 'node:module'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import { firstLine } from './recovery'
import { WRITE_SQL } from './sql'
import { applyJob, type WriteJob } from './write-job'

/**
 * The telemetry writer thread: its own SQLite connection to telemetry.db that runs every batched
 * insert, retry link and prune, and so also the WAL checkpoints (each an fsync of the WAL and the
 * database) that SQLite runs after a commit. better-sqlite3 is synchronous, so on the main thread
 * each batch stalled every request in flight; here the main thread only posts the batch.
 *
 * Read-your-writes without an await: the thread counts the jobs it has committed in shared
 * memory, and a read on the main thread (dashboard, Optimize Load, CLI: never the request path)
 * blocks with `Atomics.wait` (or spins, where the host forbids blocking) until every job posted
 * before it is committed; WAL lets the main connection see those commits at once.
 *
 * The thread is eval'd plain JavaScript (it `require`s better-sqlite3 by absolute path), so it
 * runs the same from source, from the electron-vite bundle and in Electron, with no build entry
 * of its own; its SQL and its one write function come from sql.ts and write-job.ts.
 *
 * Failure: any error on the thread (the module or file will not open, a write fails) ends it
 * after it says why; the jobs it had not committed stay here (`unfinished`) so that the store
 * writes them on the main thread. The upsert and the retry link are idempotent, so a job the
 * thread committed just before it died may be written twice without harm.
 */

/**
 * Shared counters: jobs committed (a sequence number), the thread's state, and a signal the
 * thread bumps after each change of either, which a waiting main thread waits on.
 */
const DONE = 0
const STATE = 1
const SIGNAL = 2
const RUNNING = 0
const CLOSED = 1
const DEAD = 2

/** The thread waits this long for a lock another connection holds (it blocks no request). */
const BUSY_TIMEOUT_MS = 5_000
/** A read waits at most this long for the thread before giving up on it. */
const SETTLE_TIMEOUT_MS = 15_000

type Report = { seq: number; removed: number } | { fatal: string }

const WORKER_SOURCE = `'use strict'
const { workerData, parentPort } = require('node:worker_threads')
const { shared, reports, driver, file, sql, pragmas, busyTimeout } = workerData
const counters = new Int32Array(shared)
const applyJob = ${applyJob.toString()}
let db = null
function signal() {
  Atomics.add(counters, ${SIGNAL}, 1)
  Atomics.notify(counters, ${SIGNAL})
}
process.on('exit', () => {
  // However the thread ends, a main thread waiting on it wakes up and sees why.
  Atomics.compareExchange(counters, ${STATE}, ${RUNNING}, ${DEAD})
  signal()
})
function fatal(error) {
  reports.postMessage({ fatal: String((error && error.message) || error).split('\\n')[0] })
  try { if (db) db.close() } catch {}
  process.exit(1)
}
try {
  const Database = require(driver)
  db = new Database(file, { fileMustExist: true, timeout: busyTimeout })
  for (const pragma of pragmas) db.pragma(pragma)
  const statements = { insert: db.prepare(sql.insert), markRetried: db.prepare(sql.markRetried), pruneAge: db.prepare(sql.pruneAge), pruneRows: db.prepare(sql.pruneRows) }
  const write = db.transaction((job) => applyJob(statements, job))
  parentPort.on('message', (job) => {
    if (job === 'close') {
      db.close()
      Atomics.store(counters, ${STATE}, ${CLOSED})
      signal()
      parentPort.close()
      return
    }
    let removed
    try {
      removed = write(job)
    } catch (error) {
      fatal(error)
    }
    // The report goes first: once the main thread sees the count, the report is there to read.
    if (job.report) reports.postMessage({ seq: job.seq, removed })
    Atomics.store(counters, ${DONE}, job.seq)
    signal()
  })
} catch (error) {
  fatal(error)
}
`

export interface WriteWorkerOptions {
  /** The database file, already created, migrated and checked on the main thread. */
  file: string
  /** Connection settings the thread applies to its own connection (per-connection pragmas). */
  pragmas: readonly string[]
  /** Called once, from an event or from a wait, when the thread is gone for good. */
  onDead: (reason: string) => void
  /** Tests: the SQLite module the thread loads (default: better-sqlite3). */
  driver?: string | undefined
}

export class WriteWorker {
  private readonly counters = new Int32Array(new SharedArrayBuffer(12))
  private readonly worker: Worker
  private readonly reports: MessagePort
  private readonly onDead: (reason: string) => void
  private posted = 0
  private dead = false
  /** Jobs posted and not yet known committed, oldest first. */
  private inFlight: { seq: number; job: WriteJob }[] = []
  /** False once the host refused to let this thread block (browsers do on their main thread; Node does not). */
  private canBlock = true
  /** Rows removed by a prune whose result a caller waits for, by job. */
  private readonly removed = new Map<number, number>()

  constructor(o: WriteWorkerOptions) {
    this.onDead = o.onDead
    const { port1, port2 } = new MessageChannel()
    this.reports = port1
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        shared: this.counters.buffer,
        reports: port2,
        driver: o.driver ?? createRequire(import.meta.url).resolve('better-sqlite3'),
        file: o.file,
        sql: WRITE_SQL,
        pragmas: o.pragmas,
        busyTimeout: BUSY_TIMEOUT_MS,
      },
      transferList: [port2],
    })
    // Neither keeps the process alive: close() waits for the last commit itself.
    this.worker.unref()
    this.reports.unref()
    this.reports.on('message', (report: Report) => this.handle(report))
    this.worker.on('error', (error) => this.die(`${firstLine(error)}`))
    this.worker.on('exit', (code) => this.die(`it exited with code ${code}`))
  }

  /** Hand a job to the thread; returns its sequence number. Never blocks. */
  post(job: WriteJob, report = false): number {
    const seq = ++this.posted
    this.inFlight.push({ seq, job })
    this.worker.postMessage({ ...job, seq, report })
    this.forgetCommitted()
    return seq
  }

  /**
   * Block until every job posted so far is committed. False when the thread died or stopped
   * answering: its unfinished jobs are then the caller's to write.
   */
  settle(): boolean {
    return this.waitUntil(() => Atomics.load(this.counters, DONE) >= this.posted)
  }

  /** Rows a job posted with `report` removed (after `settle`), or null if it never finished. */
  takeRemoved(seq: number): number | null {
    const n = this.removed.get(seq)
    this.removed.delete(seq)
    return n ?? null
  }

  /** Commit what was posted, close the thread's connection and let it end. False as for settle. */
  close(): boolean {
    if (this.dead) return false
    this.worker.postMessage('close')
    return this.waitUntil(() => Atomics.load(this.counters, STATE) === CLOSED)
  }

  /** The jobs the thread did not commit (once it is dead); the thread is stopped if it still runs. */
  unfinished(): WriteJob[] {
    this.forgetCommitted()
    const jobs = this.inFlight.map((f) => f.job)
    this.inFlight = []
    void this.worker.terminate()
    return jobs
  }

  private waitUntil(done: () => boolean): boolean {
    const deadline = performance.now() + SETTLE_TIMEOUT_MS
    while (!this.dead) {
      // Read before the checks: a change after them bumps it, and the wait returns at once.
      const seen = Atomics.load(this.counters, SIGNAL)
      if (done()) {
        this.drainReports()
        this.forgetCommitted()
        return true
      }
      if (Atomics.load(this.counters, STATE) === DEAD) {
        this.drainReports()
        this.die('it stopped')
        break
      }
      const left = deadline - performance.now()
      if (left <= 0) {
        this.die(`it did not commit within ${SETTLE_TIMEOUT_MS / 1000} s`)
        break
      }
      this.waitForChange(seen, left)
    }
    return false
  }

  /**
   * Until the signal is no longer `seen`, or `ms` passed. Where the host forbids Atomics.wait this
   * returns at once and waitUntil's loop spins on the counters instead: reads are rare, and the
   * thread commits a batch in milliseconds.
   */
  private waitForChange(seen: number, ms: number): void {
    if (!this.canBlock) return
    try {
      Atomics.wait(this.counters, SIGNAL, seen, ms)
    } catch {
      this.canBlock = false
    }
  }

  /** Reports arrive as events, and are read at once while the main thread waits (no event loop then). */
  private drainReports(): void {
    for (let m = receiveMessageOnPort(this.reports); m; m = receiveMessageOnPort(this.reports)) this.handle(m.message as Report)
  }

  private handle(report: Report): void {
    if ('fatal' in report) this.die(report.fatal)
    else this.removed.set(report.seq, report.removed)
  }

  private forgetCommitted(): void {
    const done = Atomics.load(this.counters, DONE)
    let i = 0
    while (i < this.inFlight.length && this.inFlight[i]!.seq <= done) i++
    if (i > 0) this.inFlight.splice(0, i)
  }

  private die(reason: string): void {
    // A clean close also ends the thread: that is no failure.
    if (this.dead || Atomics.load(this.counters, STATE) === CLOSED) return
    this.dead = true
    this.onDead(reason)
  }
}
