import type { Writable } from 'node:stream'

/** What every CLI command receives: its own arguments and the process's streams. */
export interface CliContext {
  args: string[]
  stdout: Writable
  stderr: Writable
  stdin: NodeJS.ReadableStream
  env: NodeJS.ProcessEnv
}

/** One `routellm <name>` command. Returns the process exit code. */
export interface CliCommand {
  name: string
  summary: string
  usage: string
  run(ctx: CliContext): Promise<number>
}

/** Thrown for a bad command line: the CLI prints the message and the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}
