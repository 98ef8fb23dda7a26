import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { Tier } from '../../../shared/decision'
import { runDeepChecks, type DeepOptions, type DeepStackFactory, type LabelledPrompt } from '../../core/doctor/deep/index'
import { formatDoctorReport, reportOf, runDoctor, type DoctorOptions } from '../../core/doctor/index'
import type { KeyStore } from '../../core/keys/key-store'
import { loadProbeSet } from '../../core/learning/probe/probe-set'
import { UsageError, type CliCommand } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'

export interface DoctorCommandDeps {
  /** Tests only: the product checks the OS keychain. */
  keyStore?: KeyStore
  /** Tests: a copy of resources/models. */
  modelsRoot?: string
  /** Tests: a judge to stress instead of the real one, tighter latency limits. */
  deep?: Pick<DeepOptions, 'judge' | 'latencyLimits'>
}

const LabelledLine = z
  .object({ prompt: z.string().min(1), cluster: z.string().min(1).optional(), label: Tier.optional() })
  .refine((l) => l.cluster !== undefined || l.label !== undefined, 'needs "cluster" or "label" (local|cloud)')

/** --labelled: JSON lines {prompt, cluster} or {prompt, label: local|cloud}; each bad line is named. */
async function readLabelled(file: string): Promise<LabelledPrompt[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--labelled: cannot read ${file} (${error.code ?? error.message})`)
  })
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      let raw: unknown
      try {
        raw = JSON.parse(line)
      } catch {
        throw new UsageError(`--labelled: line ${n} of ${file} is not JSON`)
      }
      const parsed = LabelledLine.safeParse(raw)
      if (!parsed.success) throw new UsageError(`--labelled: line ${n} of ${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
      return parsed.data
    })
}

/** The whole stack, as the hosts build it, on the scratch folder the deep checks give. */
function servicesStack(env: NodeJS.ProcessEnv): DeepStackFactory {
  return async ({ dataDir, log, cloudFetch }) => {
    const { createServices } = await import('../../core/services')
    const services = await createServices({ host: 'headless', env, dataDir, log, cloudFetch })
    return {
      decide: (prompt, options) => services.router.decide(prompt, options ?? {}),
      generate: (input) => services.chat.generate(input),
      ready: services.router.warmedUp,
      close: () => services.close(),
    }
  }
}

/** `routellm doctor`: one ok / warn / fail line per check; exit code 1 when one failed. */
export function createDoctorCommand(deps: DoctorCommandDeps = {}): CliCommand {
  return {
    name: 'doctor',
    summary: 'check the installation: data folder, policy, embedding model, calibration, Ollama, judge, keychain, endpoints (--deep: the routing checklist)',
    usage: 'doctor [--json] [--ollama-host <url>] [--deep [--labelled <prompts.jsonl>]]',
    async run(ctx) {
      const { flags, positionals } = parseFlags(ctx.args, { json: 'boolean', 'ollama-host': 'string', deep: 'boolean', labelled: 'string' })
      if (positionals.length > 0) throw new UsageError('doctor takes no arguments')
      if (flags.labelled !== undefined && !flags.deep) throw new UsageError('--labelled goes with --deep')
      const host = flags['ollama-host']
      const options: DoctorOptions = {
        env: ctx.env,
        ...(typeof host === 'string' ? { ollamaHosts: [host] } : {}),
        ...(deps.keyStore ? { keyStore: deps.keyStore } : {}),
        ...(deps.modelsRoot ? { modelsRoot: deps.modelsRoot } : {}),
      }
      let report = await runDoctor(options)
      if (flags.deep) {
        const labelled =
          typeof flags.labelled === 'string'
            ? { prompts: await readLabelled(flags.labelled), source: flags.labelled }
            : { prompts: (await loadProbeSet()).items.map((i) => ({ prompt: i.prompt, cluster: i.cluster })), source: 'the bundled probe set' }
        const env = typeof host === 'string' ? { ...ctx.env, OLLAMA_HOST: host } : ctx.env
        const deep = await runDeepChecks({ ...options, dataDir: report.dataDir }, { labelled, stack: servicesStack(env), ...deps.deep })
        report = reportOf(report.dataDir, [...report.checks, ...deep])
      }
      if (flags.json) writeJson(ctx, report)
      else ctx.stdout.write(formatDoctorReport(report))
      return report.ok ? 0 : 1
    },
  }
}

export const doctorCommand = createDoctorCommand()
