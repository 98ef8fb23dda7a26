/**
 * Gateway overhead: the same load sent straight to an upstream OpenAI double and through an
 * OpenAI-compatible gateway in front of it, in one run, at c=1 and c=32, non-streaming and
 * streaming. Prints throughput as a share of direct, the latency and time to first byte the
 * gateway adds (p50/p99), and the gateway process's RSS idle and under load.
 *
 *   npm run bench:gateway                         RouteLLM: a real `serve` child with a fresh
 *                                                 ROUTELLM_HOME, via routellm/cloud and routellm/auto,
 *                                                 beside a bare Node pass-through proxy (the floor:
 *                                                 bench/gateway-bare-proxy.ts)
 *   npm run bench:gateway -- --target http://127.0.0.1:8787/v1 --key K --model M [--pid P]
 *       [--header 'name: value']... --upstream-port 9999
 *                                                 any other gateway, configured to forward to the
 *                                                 upstream double (fixed with --upstream-port)
 *   --seconds S (per measurement, default 3)  --requests N (cap per measurement, default 4000)  --json
 *
 * Loopback only. The upstream double, the gateway and this load generator are three processes.
 * RouteLLM runs as `routellm serve` does (bin/routellm.js): from the build when it is current
 * (`npm run build` first), else from source through tsx; the first line says which. Beside the
 * timings, the CPU time the gateway process spent per request (Linux /proc), a figure that load
 * from other jobs on the machine changes far less than latency.
 * Targets (2-core machine): added p50 ≤ 0.5 ms at c=1; throughput ≥ 0.15 of direct at c=32
 * with added p99 ≤ 25 ms; added streaming time to first byte ≤ 2 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { builtCliIsCurrent } from '../bin/built-cli.js'
import { runCell, type CellResult, type GatewayTarget } from './gateway-load'

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    key: { type: 'string' },
    model: { type: 'string' },
    header: { type: 'string', multiple: true },
    pid: { type: 'string' },
    'upstream-port': { type: 'string' },
    seconds: { type: 'string' },
    requests: { type: 'string' },
    json: { type: 'boolean' },
  },
})
const maxMs = Number(values.seconds ?? 3) * 1000
const maxRequests = Number(values.requests ?? 4000)
const UPSTREAM_KEY = 'sk-bench'
const UPSTREAM_MODEL = 'gpt-4o-mini'
const children: ChildProcess[] = []

/** Starts a child and resolves with the first stdout match of `ready`. */
function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ child, match })
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)))
  })
}

/** User + system CPU time of a process in ms (Linux /proc), or null where that cannot be read. */
function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/** Resident set of a process in MiB (Linux /proc), or null where that cannot be read. */
function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : null
  } catch {
    return null
  }
}

async function main() {
  const upstream = await startChild(
    [
      '--import',
      'tsx',
      'bench/gateway-upstream.ts',
      '--key',
      UPSTREAM_KEY,
      '--model',
      UPSTREAM_MODEL,
      ...(values['upstream-port'] ? ['--port', values['upstream-port']] : []),
    ],
    process.env,
    /upstream (\S+)\n/,
  )
  const direct: GatewayTarget = { name: 'direct', baseUrl: upstream.match[1]!, key: UPSTREAM_KEY, model: UPSTREAM_MODEL }
  const gateways: GatewayTarget[] = []
  // Whose CPU time a row's cpu/req column reads: the process behind that gateway.
  const pids = new Map<string, number | undefined>()
  let gatewayPid: number | undefined
  let home: string | null = null
  let servedFromBuild = false
  if (values.target) {
    const headers = Object.fromEntries(
      (values.header ?? []).map((h) => {
        const i = h.indexOf(':')
        return [h.slice(0, i).trim(), h.slice(i + 1).trim()]
      }),
    )
    gateways.push({ name: 'target', baseUrl: values.target, key: values.key ?? '', model: values.model ?? UPSTREAM_MODEL, headers })
    gatewayPid = values.pid ? Number(values.pid) : undefined
    pids.set('target', gatewayPid)
  } else {
    const bare = await startChild(['--import', 'tsx', 'bench/gateway-bare-proxy.ts', '--upstream', direct.baseUrl], process.env, /bare proxy (\S+)\n/)
    gateways.push({ name: 'bare proxy', baseUrl: bare.match[1]!, key: UPSTREAM_KEY, model: UPSTREAM_MODEL })
    pids.set('bare proxy', bare.child.pid)
    servedFromBuild = builtCliIsCurrent()
    home = mkdtempSync(join(tmpdir(), 'routellm-bench-'))
    const gatewayKey = randomBytes(16).toString('hex')
    const serve = await startChild(
      ['bin/routellm.js', 'serve', '--port', '0'],
      {
        ...process.env,
        ROUTELLM_HOME: home,
        ROUTELLM_GATEWAY_KEY: gatewayKey,
        ROUTELLM_CLOUD_BASE_URL: direct.baseUrl,
        ROUTELLM_CLOUD_API_KEY: UPSTREAM_KEY,
        ROUTELLM_CLOUD_MODEL: UPSTREAM_MODEL,
        // No Ollama here: routellm/auto still runs every pillar, then health sends local-tier prompts to the cloud.
        OLLAMA_HOST: '127.0.0.1:1',
      },
      /RouteLLM dashboard: http:\/\/([^/\s]+)\//,
    )
    gatewayPid = serve.child.pid
    pids.set('routellm/cloud', gatewayPid).set('routellm/auto', gatewayPid)
    const base = `http://${serve.match[1]}/v1`
    gateways.push({ name: 'routellm/cloud', baseUrl: base, key: gatewayKey, model: 'routellm/cloud' })
    gateways.push({ name: 'routellm/auto', baseUrl: base, key: gatewayKey, model: 'routellm/auto' })
  }

  // Warm-up: connections, JIT, the gateway's model and caches.
  for (const g of [direct, ...gateways]) {
    for (const stream of [false, true]) {
      const r = await runCell(g, { concurrency: 4, stream, maxRequests: 400, maxMs: 10_000 }, 1_000_000)
      if (r.errors > 0) throw new Error(`${g.name} failed during warm-up: ${r.errorSample}`)
    }
  }
  await new Promise((r) => setTimeout(r, 1000))
  const rssIdle = rssMiB(gatewayPid)

  let rssPeak = rssIdle ?? 0
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(gatewayPid) ?? 0)), 100)
  const rows: Array<{ gateway: string; stream: boolean; concurrency: number; r: CellResult; base: CellResult; cpuPerRequest: number | null }> = []
  let prompt = 0
  for (const stream of [false, true]) {
    for (const concurrency of [1, 32]) {
      const cell = { concurrency, stream, maxRequests, maxMs }
      const base = await runCell(direct, cell, prompt)
      prompt += base.requests + base.errors
      rows.push({ gateway: 'direct', stream, concurrency, r: base, base, cpuPerRequest: null })
      for (const g of gateways) {
        const cpuBefore = cpuMs(pids.get(g.name))
        const r = await runCell(g, cell, prompt)
        const cpuAfter = cpuMs(pids.get(g.name))
        prompt += r.requests + r.errors
        const cpuPerRequest = cpuBefore !== null && cpuAfter !== null && r.requests > 0 ? (cpuAfter - cpuBefore) / r.requests : null
        rows.push({ gateway: g.name, stream, concurrency, r, base, cpuPerRequest })
      }
    }
  }
  clearInterval(sampler)
  const rssLoad = gatewayPid ? rssPeak : null

  // The gateway writes its state on shutdown: remove its data folder only once it has exited.
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM'))) : null)))
  if (home) rmSync(home, { recursive: true, force: true })

  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-')
  const plus = (x: number) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(2) : '-')
  const checks: string[] = []
  for (const row of rows) {
    if (row.gateway === 'direct' || row.gateway === 'bare proxy') continue
    const added = (k: 'latency' | 'ttfb', q: 'p50' | 'p99') => row.r[k][q] - row.base[k][q]
    const ratio = row.r.perSecond / row.base.perSecond
    const cellName = `${row.gateway} c=${row.concurrency} ${row.stream ? 'stream' : 'json'}`
    if (!row.stream && row.concurrency === 1)
      checks.push(`${cellName}: added p50 ${plus(added('latency', 'p50'))} ms (target ≤ 0.5) ${added('latency', 'p50') <= 0.5 ? 'ok' : 'MISSED'}`)
    if (row.concurrency === 32) {
      const ok = ratio >= 0.15 && added('latency', 'p99') <= 25
      checks.push(`${cellName}: throughput ${f(ratio, 3)} of direct (≥ 0.15), added p99 ${plus(added('latency', 'p99'))} ms (≤ 25) ${ok ? 'ok' : 'MISSED'}`)
    }
    if (row.stream && row.concurrency === 1)
      checks.push(`${cellName}: added TTFB p50 ${plus(added('ttfb', 'p50'))} ms (target ≤ 2) ${added('ttfb', 'p50') <= 2 ? 'ok' : 'MISSED'}`)
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ rows, rssIdle, rssLoad, checks }, null, 2)}\n`)
    return
  }
  const lines = [
    `gateway bench: ${maxMs / 1000} s or ${maxRequests} requests per cell, loopback, Node ${process.version}` +
      (values.target ? '' : `, serve ${servedFromBuild ? 'from the build (out/main/cli.js)' : 'from source through tsx (no current build: npm run build)'}`),
    `${'gateway'.padEnd(16)}${'mode'.padEnd(8)}${'c'.padStart(3)}${'req/s'.padStart(9)}${'×direct'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'+p50'.padStart(8)}${'+p99'.padStart(8)}${'ttfb50'.padStart(8)}${'+ttfb50'.padStart(9)}${'+ttfb99'.padStart(9)}${'err'.padStart(5)}${'cpu/req'.padStart(9)}`,
  ]
  for (const { gateway, stream, concurrency, r, base, cpuPerRequest } of rows) {
    const d = gateway === 'direct'
    lines.push(
      `${gateway.padEnd(16)}${(stream ? 'stream' : 'json').padEnd(8)}${String(concurrency).padStart(3)}${f(r.perSecond, 0).padStart(9)}${(d ? '' : f(r.perSecond / base.perSecond, 3)).padStart(9)}` +
        `${f(r.latency.p50).padStart(9)}${f(r.latency.p99).padStart(9)}${(d ? '' : plus(r.latency.p50 - base.latency.p50)).padStart(8)}${(d ? '' : plus(r.latency.p99 - base.latency.p99)).padStart(8)}` +
        `${(stream ? f(r.ttfb.p50) : '').padStart(8)}${(stream && !d ? plus(r.ttfb.p50 - base.ttfb.p50) : '').padStart(9)}${(stream && !d ? plus(r.ttfb.p99 - base.ttfb.p99) : '').padStart(9)}${String(r.errors).padStart(5)}${(cpuPerRequest === null ? '' : `${f(cpuPerRequest)} ms`).padStart(9)}`,
    )
  }
  lines.push(
    `gateway RSS: idle ${rssIdle === null ? 'n/a (pass --pid)' : `${f(rssIdle, 0)} MiB`}, under load (peak) ${rssLoad === null ? 'n/a' : `${f(rssLoad, 0)} MiB`}`,
  )
  lines.push(...checks)
  const samples = rows.filter((r) => r.r.errorSample).map((r) => `  ${r.gateway}: ${r.r.errorSample}`)
  if (samples.length) lines.push('error samples:', ...samples)
  process.stdout.write(`${lines.join('\n')}\n`)
}

try {
  await main()
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
}
