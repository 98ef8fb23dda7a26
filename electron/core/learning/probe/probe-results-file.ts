import { ProbeResults } from '../../../../shared/probe'
import { GuardedJsonFile } from '../../state/guarded-file'

export const PROBE_RESULTS_FILE = 'probe-results.json'

const Stored = ProbeResults.nullable()

/**
 * The last self-check in <data folder>/probe-results.json, with its .bak. A damaged file with
 * no good copy means no results: routing goes on as without a self-check, and the problem
 * names the file until the next run saves a new one.
 */
export function probeResultsFile(dataDir: string | null, log?: (line: string) => void): GuardedJsonFile<typeof Stored> {
  return new GuardedJsonFile({
    dataDir,
    name: PROBE_RESULTS_FILE,
    schema: Stored,
    missing: null,
    failClosed: null,
    failClosedText: 'no self-check results apply (run routellm probe again)',
    ...(log ? { log } : {}),
  })
}

export type ProbeResultsFile = ReturnType<typeof probeResultsFile>
