// 200 concurrent streaming requests for 60 s on loopback, with one cloud upstream degrading
// midway (slow, then failing, then recovering). Prints the figures; exits 1 if any request
// was lost or hung.
//   node --expose-gc --import tsx bench/load.bench.ts [--streams 200] [--seconds 60] [--json]
// (--expose-gc makes the heap figures live memory after a collection; without it they include garbage.)
import { parseArgs } from 'node:util'
import { runLoad } from '../test/support/load-runner'

const { values } = parseArgs({ options: { streams: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'boolean' } } })
const streams = Number(values.streams ?? 200)
const seconds = Number(values.seconds ?? 60)

const report = await runLoad({ streams, durationMs: seconds * 1000, log: (line) => process.stderr.write(`${line}\n`) })
if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} else {
  const r = report
  const lines = [
    `loopback load: ${r.streams} concurrent streams for ${r.durationMs} ms (upstream A: healthy → slow → failing → recovered)`,
    `requests ${r.requests}  done ${r.done}  errors ${r.errors} (interrupted ${r.interrupted})  lost ${r.lost}  hung ${r.hung}  throughput ${r.throughputPerS}/s`,
    `failover hops ${r.hops}  served by ${JSON.stringify(r.servedBy)}`,
    `latency ms p50 ${r.latencyMs.p50} p95 ${r.latencyMs.p95} p99 ${r.latencyMs.p99}   ttft ms p50 ${r.ttftMs.p50} p95 ${r.ttftMs.p95} p99 ${r.ttftMs.p99}`,
    `memory MB: rss ${r.memory.rssStart} → peak ${r.memory.rssPeak} → end ${r.memory.rssEnd}; heap ${r.memory.heapStart} → peak ${r.memory.heapPeak} → end ${r.memory.heapEnd}`,
    'per phase:',
    ...r.phases.map(
      (p) => `  ${p.phase.padEnd(12)} started ${p.started}  done ${p.done}  errors ${p.errors}  with hops ${p.withHops}  served ${JSON.stringify(p.servedBy)}`,
    ),
    `endpoint A states: ${r.aStates.map((s) => `${s.atMs}ms ${s.state}`).join(' → ')}`,
    ...(r.errorSamples.length ? ['error samples:', ...r.errorSamples.map((e) => `  ${e}`)] : []),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
process.exitCode = report.lost > 0 || report.hung > 0 ? 1 : 0
