import { parseArgs } from 'node:util'
import { UsageError } from './command'
import { errorMessage } from '../../../shared/errors'

type FlagSpec = Record<string, 'string' | 'boolean'>

/**
 * Parse `--name value` / `--flag` options with node:util, turning its errors into
 * UsageError so the CLI prints usage instead of a stack trace.
 */
export function parseFlags(args: string[], spec: FlagSpec): { flags: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }])),
      allowPositionals: true,
      strict: true,
    })
    return { flags: values as Record<string, string | boolean | undefined>, positionals }
  } catch (error) {
    throw new UsageError(errorMessage(error))
  }
}
