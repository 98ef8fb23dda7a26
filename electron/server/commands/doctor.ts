import { formatDoctorReport, runDoctor, type DoctorOptions } from '../../core/doctor/index'
import type { KeyStore } from '../../core/keys/key-store'
import { UsageError, type CliCommand } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'

export interface DoctorCommandDeps {
  /** Tests only: the product checks the OS keychain. */
  keyStore?: KeyStore
  /** Tests: a copy of resources/models. */
  modelsRoot?: string
}

/** `routellm doctor`: one ok / warn / fail line per check; exit code 1 when one failed. */
export function createDoctorCommand(deps: DoctorCommandDeps = {}): CliCommand {
  return {
    name: 'doctor',
    summary: 'check the installation: data folder, policy, embedding model, calibration, Ollama, judge, keychain, endpoints',
    usage: 'doctor [--json] [--ollama-host <url>]',
    async run(ctx) {
      const { flags, positionals } = parseFlags(ctx.args, { json: 'boolean', 'ollama-host': 'string' })
      if (positionals.length > 0) throw new UsageError('doctor takes no arguments')
      const host = flags['ollama-host']
      const options: DoctorOptions = {
        env: ctx.env,
        ...(typeof host === 'string' ? { ollamaHosts: [host] } : {}),
        ...(deps.keyStore ? { keyStore: deps.keyStore } : {}),
        ...(deps.modelsRoot ? { modelsRoot: deps.modelsRoot } : {}),
      }
      const report = await runDoctor(options)
      if (flags.json) writeJson(ctx, report)
      else ctx.stdout.write(formatDoctorReport(report))
      return report.ok ? 0 : 1
    },
  }
}

export const doctorCommand = createDoctorCommand()
