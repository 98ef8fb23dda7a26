import { chatCommand } from './commands/chat'
import { UsageError, type CliCommand, type CliContext } from './commands/command'
import { doctorCommand } from './commands/doctor'
import { engineCommands } from './commands/index'
import { keysCommand } from './commands/keys'
import { modelsCommand } from './commands/models'
import { probeCommand } from './commands/probe'
import { serveCommand } from './commands/serve'
import { optimizeCommand } from './commands/optimize'
import { policyCommand } from './commands/policy'
import { statsCommand } from './commands/stats'
import { errorMessage } from '../../shared/errors'

const commands: CliCommand[] = [
  serveCommand,
  chatCommand,
  keysCommand,
  ...engineCommands,
  modelsCommand,
  doctorCommand,
  probeCommand,
  statsCommand,
  policyCommand,
  optimizeCommand,
]

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    'usage: routellm <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'from a checkout: npx routellm <command> [options]',
  ].join('\n')
}

/** Run one CLI invocation; exported so tests drive the CLI in-process. */
export async function main(argv: string[], io: Omit<CliContext, 'args'>): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`)
    return name ? 0 : 2
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    io.stderr.write(`unknown command "${name}"\n\n${usage()}\n`)
    return 2
  }
  if (args.includes('--help')) {
    io.stdout.write(`usage: routellm ${command.usage}\n`)
    return 0
  }
  try {
    return await command.run({ ...io, args })
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`routellm ${name}: ${error.message}\nusage: routellm ${command.usage}\n`)
      return 2
    }
    io.stderr.write(`routellm ${name}: ${errorMessage(error)}\n`)
    return 1
  }
}
