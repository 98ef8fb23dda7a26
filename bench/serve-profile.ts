/**
 * One gateway load against `routellm serve`, for looking inside it: the upstream double and a
 * fresh `serve` (as bench:gateway starts them), a warm-up of 2,000 requests at c=4, then the
 * measured load; prints the load's latency and `serve`'s CPU time per request (Linux /proc),
 * and leaves what the chosen node flags wrote.
 *
 *   npm run bench:serve-profile -- [--model routellm/cloud] [--concurrency 1] [--requests 8000] [--stream]
 *       [--cpu-prof DIR]      a V8 CPU profile of serve (open in Chrome DevTools, or read with a script)
 *       [--heap-sample FILE]  V8's sampling heap profile of serve over the measured load: every
 *                             allocation, collected or not (bytes allocated per function; bench/heap-sampling.mjs)
 *       [--trace-gc]          serve's GC log on this process's stderr
 *
 * CPU per request moves far less with machine load than latency; compare runs interleaved.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runCell } from './gateway-load'
import { cpuMs, killChildren, startServe, startUpstream, stopChildren } from './gateway-processes'

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'routellm/cloud' },
    concurrency: { type: 'string', default: '1' },
    requests: { type: 'string', default: '8000' },
    stream: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'heap-sample': { type: 'string' },
    'trace-gc': { type: 'boolean', default: false },
  },
})

interface HeapNode {
  selfSize: number
  children: HeapNode[]
}

async function main() {
  const nodeArgs = [
    ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []),
    ...(values['heap-sample'] ? ['--import', './bench/heap-sampling.mjs'] : []),
    ...(values['trace-gc'] ? ['--trace-gc'] : []),
  ]
  const upstream = await startUpstream()
  const serve = await startServe(upstream, nodeArgs, values['heap-sample'] ? { ROUTELLM_HEAP_SAMPLE: values['heap-sample'] } : {})
  // V8 prints its GC log on serve's stdout, which the bench otherwise keeps to itself.
  if (values['trace-gc']) serve.child.stdout!.pipe(process.stderr)
  const target = { name: values.model!, baseUrl: serve.baseUrl, key: serve.key, model: values.model! }
  const warm = await runCell(target, { concurrency: 4, stream: values.stream!, maxRequests: 2000, maxMs: 60_000 }, 1_000_000)
  if (warm.errors > 0) throw new Error(`serve failed during warm-up: ${warm.errorSample}`)
  if (values['heap-sample']) process.kill(serve.pid!, 'SIGUSR2')
  const before = cpuMs(serve.pid)
  const r = await runCell(target, { concurrency: Number(values.concurrency), stream: values.stream!, maxRequests: Number(values.requests), maxMs: 600_000 }, 0)
  const after = cpuMs(serve.pid)
  await stopChildren([serve.home])
  const f = (x: number) => x.toFixed(2)
  process.stdout.write(
    `${values.model} c=${values.concurrency} ${values.stream ? 'stream' : 'json'}: ${r.requests} requests, ${r.errors} errors, ${r.perSecond.toFixed(0)} req/s, ` +
      `latency p50 ${f(r.latency.p50)} ms p99 ${f(r.latency.p99)} ms; serve CPU ${before !== null && after !== null ? `${f((after - before) / r.requests)} ms per request` : 'n/a'}\n`,
  )
  if (values['heap-sample']) {
    // Sampled bytes: each sample stands for `samplingInterval` bytes on average, so the sum estimates the total.
    const sum = (n: HeapNode): number => n.selfSize + n.children.reduce((t, c) => t + sum(c), 0)
    const head = (JSON.parse(readFileSync(values['heap-sample'], 'utf8')) as { head: HeapNode }).head
    process.stdout.write(`serve allocated ≈ ${(sum(head) / 1024 / r.requests).toFixed(0)} KiB per request (sampled, warm-up excluded)\n`)
  }
}

try {
  await main()
} finally {
  killChildren()
}
