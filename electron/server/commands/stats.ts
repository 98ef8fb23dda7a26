import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { TelemetrySummary } from '../../../shared/telemetry'
import { resolveDataDir } from '../../core/lib/data-dir'
import { retentionFromEnv, TELEMETRY_FILE, TelemetryStore } from '../../core/telemetry/index'
import { UsageError, type CliCommand } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'
import { tableLines } from './text-table'

const ms = (x: number | null | undefined): string => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  if (x < 10) return `${x.toFixed(1)} ms`
  if (x < 1000) return `${Math.round(x)} ms`
  return `${(x / 1000).toFixed(x < 10_000 ? 2 : 1)} s`
}
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`)
const usd = (x: number): string => (x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`)
const pair = (p: { p50: number; p95: number } | null): string => (p === null ? '—' : `${ms(p.p50)} / ${ms(p.p95)}`)

/** The summary as a person reads it in a terminal. */
export function formatStats(s: TelemetrySummary, file: string): string {
  const window = s.windowHours === null ? 'everything kept' : `last ${s.windowHours} h`
  const lines = [`RouteLLM telemetry · ${window} · ${file}`, '']
  if (s.requests === 0) {
    lines.push(s.windowHours === null ? 'No requests recorded yet.' : `No requests in the last ${s.windowHours} h.`)
    return `${lines.join('\n')}\n`
  }
  lines.push(
    ...tableLines([
      ['requests', `${s.requests}`, `ok ${s.ok} · errors ${s.errors} · aborted ${s.aborted}`],
      ['local share', pct(s.localShare), `cloud ${pct(s.cloudShare)}`],
      ['error rate', pct(s.errorRate), 'of requests not stopped by the user'],
      ['cost', usd(s.costUsd), `tokens ${s.tokens.input} in / ${s.tokens.output} out`],
      ['feedback', `up ${s.feedback.up}`, `down ${s.feedback.down}`],
    ]),
    '',
    ...tableLines([
      ['tier', 'requests', 'errors', 'latency p50 / p95', 'ttft p50 / p95', 'cost'],
      ...(['local', 'cloud'] as const).map((t) => {
        const f = s.tiers[t]
        return [t, `${f.requests}`, `${f.errors}`, pair(f.latencyMs), pair(f.ttftMs), usd(f.costUsd)]
      }),
    ]),
  )
  if (s.endpoints.length > 0) {
    lines.push(
      '',
      ...tableLines([
        ['endpoint', 'model', 'tier', 'requests', 'errors'],
        ...s.endpoints.map((e) => [e.endpoint, e.model, e.tier, `${e.requests}`, `${e.errors}`]),
      ]),
    )
  }
  return `${lines.join('\n')}\n`
}

/** `routellm stats`: the telemetry summary of this machine's data folder. */
export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'telemetry: requests, local share, error rate, latency and TTFT per tier, cost, feedback, endpoints',
  usage: 'stats [--json] [--hours N]',
  async run(ctx) {
    const { flags, positionals } = parseFlags(ctx.args, { json: 'boolean', hours: 'string' })
    if (positionals.length > 0) throw new UsageError('stats takes no arguments')
    let windowHours: number | undefined
    if (flags.hours !== undefined) {
      const n = Number(flags.hours)
      if (typeof flags.hours !== 'string' || !Number.isFinite(n) || n <= 0)
        throw new UsageError(`--hours must be a positive number, not "${String(flags.hours)}"`)
      windowHours = n
    }
    const dataDir = resolveDataDir(ctx.env)
    const file = join(dataDir, TELEMETRY_FILE)
    const warn = (line: string) => ctx.stderr.write(`${line}\n`)
    // Reading must not create a database where RouteLLM never ran.
    const exists = existsSync(file)
    const store = new TelemetryStore({ dataDir: exists ? dataDir : null, retention: retentionFromEnv(ctx.env, warn), log: warn })
    try {
      const summary = store.summary({ windowHours })
      if (flags.json) writeJson(ctx, { file: exists ? file : null, ...summary })
      else if (!exists) ctx.stdout.write(`No telemetry yet: ${file} does not exist. Every answer RouteLLM generates is recorded there.\n`)
      else ctx.stdout.write(formatStats(summary, file))
      return 0
    } finally {
      store.close()
    }
  },
}
