// Loopback load test: N concurrent streaming requests, kept up for a duration, through the
// chat flow (routing hooks, health, failover, cost) against the protocol doubles, with one
// cloud upstream degrading midway: first slow, then failing, then recovering.
// Used by bench/load.bench.ts (200 streams × 60 s) and by a short CI test, which runs by
// request count instead of time so that a loaded machine changes nothing but how long it takes.
import { startOllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble } from '../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, ollamaEndpoint } from './chat-harness'
import { quantiles, round } from '../../shared/numbers'

export interface LoadOptions {
  /** Concurrent streams, each starting its next request when the previous one ends. */
  streams: number
  /** Keep going this long (the bench); the phases split the time. */
  durationMs?: number
  /**
   * Or: start this many requests (the test); the phases split the count, and the last phase
   * goes on (up to the same count again) until the recovered endpoint served once, since its
   * breaker's cooldown runs on the real clock.
   */
  requests?: number
  /** Delay between streamed tokens at every upstream. */
  tokenDelayMs?: number
  /** A request still running this long after it started counts as hung. */
  hangAfterMs?: number
  log?: (line: string) => void
}

export type Phase = 'healthy' | 'a-slow' | 'a-failing' | 'a-recovered'

export interface PhaseStats {
  phase: Phase
  started: number
  done: number
  errors: number
  interrupted: number
  withHops: number
  /**
   * Who answered the requests that started and ended in this phase. A request that spans a
   * phase change is left out: it may rightly be answered by an upstream the new phase changed.
   */
  servedBy: Record<string, number>
}

export interface Percentiles {
  p50: number
  p95: number
  p99: number
}

export interface LoadReport {
  streams: number
  durationMs: number
  requests: number
  done: number
  errors: number
  interrupted: number
  /** Started but never ended (must be 0). */
  lost: number
  hung: number
  errorSamples: string[]
  hops: number
  servedBy: Record<string, number>
  phases: PhaseStats[]
  latencyMs: Percentiles
  ttftMs: Percentiles
  throughputPerS: number
  /** Memory in MB: after warm-up, the peak, and at the end (after the run drained); after a GC when exposed. */
  memory: { rssStart: number; rssPeak: number; rssEnd: number; heapStart: number; heapPeak: number; heapEnd: number }
  /** Endpoint A's state over time, as the dashboard would have shown it. */
  aStates: Array<{ atMs: number; state: string }>
}

const REPLY = 'Routing keeps easy prompts on your own machine and sends the hard ones to a bigger model, while health checks steer around failing upstreams.'

/** Nearest-rank percentiles to a tenth of a unit; zeros for no values. */
function percentiles(values: number[]): Percentiles {
  const q = quantiles(values, { p50: 0.5, p95: 0.95, p99: 0.99 }) ?? { p50: 0, p95: 0, p99: 0 }
  return { p50: round(q.p50, 1), p95: round(q.p95, 1), p99: round(q.p99, 1) }
}

const MB = (n: number) => round(n / 1024 / 1024, 1)
/** With `node --expose-gc`, heap figures are taken after a full collection (live memory, not garbage). */
const collect = () => (globalThis as { gc?: () => void }).gc?.()

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const byCount = options.requests !== undefined
  const total = options.requests ?? 0
  const scale = options.durationMs ?? 3000
  const tokenDelayMs = options.tokenDelayMs ?? 20
  const hangAfterMs = options.hangAfterMs ?? 30_000
  const log = options.log ?? (() => {})
  const ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => REPLY, tokenDelayMs })
  const a = await startOpenAIDouble({ apiKey: 'sk-load', models: ['model-a'], reply: () => REPLY, tokenDelayMs })
  const b = await startOpenAIDouble({ apiKey: 'sk-load', models: ['model-b'], reply: () => REPLY, tokenDelayMs })
  let counter = 0
  const h = createHarness({
    endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('a', a.url, ['model-a']), cloudEndpoint('b', b.url, ['model-b'])],
    keys: { a: 'sk-load', b: 'sk-load' },
    // One prompt in four is local-tier, the rest cloud.
    route: () => ({ tier: counter++ % 4 === 0 ? 'local' : 'cloud' }),
    ollamaUrl: ollama.url,
    // Health intervals scale with the run (60 s run: 1 s cooldown, a degraded probe every 5 s).
    health: {
      baseCooldownMs: Math.max(50, scale / 60),
      maxCooldownMs: Math.max(200, scale / 15),
      degradedProbeMs: Math.max(100, scale / 12),
      degradedWindowMs: Math.max(1000, scale / 2),
      baselineMinSamples: 20,
    },
    timeouts: { firstTokenMs: { local: 3000, cloud: 3000 }, idleMs: 2000 },
    keepOutcomes: false,
  })
  await h.stack.registry.refreshLocal()

  const started = performance.now()
  const elapsed = () => performance.now() - started
  let requests = 0
  const progress = () => (byCount ? requests / total : elapsed() / scale)
  const phaseAt = (f: number): Phase => {
    return f < 0.4 ? 'healthy' : f < 0.55 ? 'a-slow' : f < 0.8 ? 'a-failing' : 'a-recovered'
  }
  const phases = new Map<Phase, PhaseStats>()
  for (const phase of ['healthy', 'a-slow', 'a-failing', 'a-recovered'] as Phase[]) {
    phases.set(phase, { phase, started: 0, done: 0, errors: 0, interrupted: 0, withHops: 0, servedBy: {} })
  }

  // The degradation script, and housekeeping: the doubles' request logs are test aids that
  // grow with traffic; clearing them keeps the memory figures about the engine.
  let current: Phase = 'healthy'
  const aStates: LoadReport['aStates'] = []
  let lastA = ''
  const mem = { rssStart: 0, rssPeak: 0, heapStart: 0, heapPeak: 0 }
  /** Apply the script for the current phase; called on every tick and before every request. */
  const syncPhase = (): Phase => {
    const phase = phaseAt(progress())
    if (phase !== current) {
      current = phase
      log(`${Math.round(elapsed())} ms: phase ${phase}`)
      if (phase === 'a-slow') a.setFault({ kind: 'slowFirstToken', delayMs: 400 })
      if (phase === 'a-failing') a.setFault({ kind: 'serverError', status: 503 })
      if (phase === 'a-recovered') a.clearFault()
    }
    return phase
  }
  const noteAState = () => {
    const state = h.stack.gate.report().endpoints.find((e) => e.id === 'a')?.state ?? '?'
    if (state !== lastA) {
      aStates.push({ atMs: Math.round(elapsed()), state })
      lastA = state
    }
  }
  const ticker = setInterval(() => {
    syncPhase()
    for (const d of [a, b, ollama]) d.requests.splice(0)
    noteAState()
    const m = process.memoryUsage()
    if (elapsed() >= Math.min(2000, scale * 0.15) && mem.rssStart === 0) {
      collect()
      const warm = process.memoryUsage()
      mem.rssStart = warm.rss
      mem.heapStart = warm.heapUsed
    }
    mem.rssPeak = Math.max(mem.rssPeak, m.rss)
    mem.heapPeak = Math.max(mem.heapPeak, m.heapUsed)
  }, 50)

  let ended = 0
  let done = 0
  let errors = 0
  let interrupted = 0
  let hung = 0
  let hops = 0
  const servedBy: Record<string, number> = {}
  const errorSamples: string[] = []
  const latency: number[] = []
  const ttft: number[] = []

  async function stream(worker: number): Promise<void> {
    const more = () => {
      if (!byCount) return elapsed() < scale
      if (requests < total) return true
      return (phases.get('a-recovered')!.servedBy.a ?? 0) === 0 && requests < 2 * total
    }
    while (more()) {
      const phase = phases.get(syncPhase())!
      requests += 1
      phase.started += 1
      const t0 = performance.now()
      let watchdog: NodeJS.Timeout | undefined
      const hang = new Promise<'hung'>((resolve) => {
        watchdog = setTimeout(() => resolve('hung'), hangAfterMs)
      })
      const run = await Promise.race([h.run(`stream ${worker}, request ${requests}: explain routing`), hang])
      clearTimeout(watchdog)
      if (run === 'hung') {
        hung += 1
        continue
      }
      ended += 1
      noteAState()
      const r = run.result
      hops += r.hops.length
      if (r.hops.length) phase.withHops += 1
      if (r.phase === 'done') {
        done += 1
        phase.done += 1
        const by = r.servedBy?.endpoint ?? '?'
        servedBy[by] = (servedBy[by] ?? 0) + 1
        if (syncPhase() === phase.phase) phase.servedBy[by] = (phase.servedBy[by] ?? 0) + 1
        latency.push(performance.now() - t0)
        if (r.usage?.ttftMs != null) ttft.push(r.usage.ttftMs)
        if (run.text !== REPLY) {
          errors += 1
          if (errorSamples.length < 5) errorSamples.push('answer text differs from the reply')
        }
      } else {
        errors += 1
        phase.errors += 1
        if (r.interrupted) {
          interrupted += 1
          phase.interrupted += 1
        }
        if (errorSamples.length < 5) errorSamples.push(r.error ?? r.phase)
      }
    }
  }

  await Promise.all(Array.from({ length: options.streams }, (_, i) => stream(i)))
  const totalMs = elapsed()
  clearInterval(ticker)
  collect()
  const end = process.memoryUsage()
  h.close()
  await Promise.all([ollama.close(), a.close(), b.close()])
  return {
    streams: options.streams,
    durationMs: Math.round(totalMs),
    requests,
    done,
    errors,
    interrupted,
    lost: requests - ended - hung,
    hung,
    errorSamples,
    hops,
    servedBy,
    phases: [...phases.values()],
    latencyMs: percentiles(latency),
    ttftMs: percentiles(ttft),
    throughputPerS: round((ended / totalMs) * 1000, 1),
    memory: {
      rssStart: MB(mem.rssStart),
      rssPeak: MB(mem.rssPeak),
      rssEnd: MB(end.rss),
      heapStart: MB(mem.heapStart),
      heapPeak: MB(mem.heapPeak),
      heapEnd: MB(end.heapUsed),
    },
    aStates,
  }
}
