import type { ProbeProgress, ProbeResults } from '../../../shared/probe'
import { probeOffset, probeOffsets } from '../../core/learning/probe/probe-offsets'
import { PROBE_DEFAULTS } from '../../core/learning/probe/probe-runner'
import { ProbeService } from '../../core/learning/probe/probe-service'
import { resolveDataDir } from '../../core/lib/data-dir'
import { OllamaBridge } from '../../core/ollama/bridge'
import { UsageError, type CliCommand, type CliContext } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'

export interface ProbeCommandDeps {
  /** Process signals to stop on (default SIGINT, SIGTERM). */
  signals?: NodeJS.Signals[]
}

function progressLine(p: ProbeProgress): string {
  return `[${String(p.done).padStart(2)}/${p.total}] ${p.passed ? 'pass' : 'FAIL'}  ${p.cluster.padEnd(16)} ${p.itemId}${p.passed ? '' : `: ${p.note}`}\n`
}

/** One line per cluster: pass rate, and the points it now adds toward the cloud. */
export function formatProbeResults(results: ProbeResults): string {
  const width = Math.max(...results.clusters.map((c) => c.cluster.length))
  const lines = results.clusters.map((c) => {
    const offset = probeOffset(results, c.cluster)
    const skipped = c.skipped ? `, ${c.skipped} not run` : ''
    return `  ${c.cluster.padEnd(width)}  ${c.passed}/${c.run} passed${skipped}  ${offset ? `+${offset.points} toward the cloud` : 'routing unchanged'}`
  })
  return `self-check of ${results.model} in ${(results.ms / 1000).toFixed(1)} s${results.partial ? ' (out of time: some probes were not run)' : ''}\n${lines.join('\n')}\n`
}

/**
 * `routellm probe [--json] [--model M] [--ollama-host URL]`: runs the bundled self-check on
 * the local model (progress on stderr), stores the per-cluster pass rates in the data folder
 * (they move routing from then on) and prints them. Ctrl-C stops cleanly and keeps the
 * earlier results. Exit code 0 done, 1 error, 130 stopped.
 */
export function createProbeCommand(deps: ProbeCommandDeps = {}): CliCommand {
  return {
    name: 'probe',
    summary: `self-check: run the local model on a bundled probe set (under ${PROBE_DEFAULTS.budgetMs / 1000} s) and route its weak clusters to the cloud`,
    usage: 'probe [--json] [--model <ollama model>] [--ollama-host <url>]',
    async run(ctx: CliContext) {
      const { flags, positionals } = parseFlags(ctx.args, { json: 'boolean', model: 'string', 'ollama-host': 'string' })
      if (positionals.length > 0) throw new UsageError('probe takes no arguments')
      const host = typeof flags['ollama-host'] === 'string' ? flags['ollama-host'] : undefined
      const model = typeof flags.model === 'string' ? flags.model : undefined
      const bridge = new OllamaBridge({ env: ctx.env, ...(host ? { hosts: [host] } : {}) })
      const service = new ProbeService({
        bridge,
        dataDir: resolveDataDir(ctx.env),
        log: (line) => ctx.stderr.write(`${line}\n`),
        onProgress: (p) => ctx.stderr.write(progressLine(p)),
      })
      const controller = new AbortController()
      const stop = () => controller.abort()
      const signals = deps.signals ?? ['SIGINT', 'SIGTERM']
      for (const s of signals) process.once(s, stop)
      try {
        const run = await service.run(model, controller.signal)
        if (run.cutShort === 'stopped') {
          ctx.stderr.write('self-check stopped: nothing was saved; the earlier results (if any) stay in force\n')
          if (flags.json) writeJson(ctx, { stopped: true, results: run.results })
          return 130
        }
        if (flags.json) writeJson(ctx, { stopped: false, results: run.results, offsets: probeOffsets(run.results) })
        else ctx.stdout.write(formatProbeResults(run.results))
        return 0
      } finally {
        for (const s of signals) process.off(s, stop)
      }
    },
  }
}

export const probeCommand = createProbeCommand()
