import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_TELEMETRY_RULES, TelemetryRules } from '../../../shared/telemetry-rules'
import { issuesOf, PolicyError, type Parsed } from '../policy/parse'
import { errorMessage } from '../../../shared/errors'

export const TELEMETRY_RULES_FILE = 'telemetry-rules.json'

export const telemetryRulesFileOf = (dataDir: string) => join(dataDir, TELEMETRY_RULES_FILE)

/** Validates a telemetry rules file like the policy: every bad field is named. */
export function parseTelemetryRulesText(text: string, file = TELEMETRY_RULES_FILE): Parsed<TelemetryRules> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    return { ok: false, error: new PolicyError(file, [{ path: '', message: `not valid JSON (${errorMessage(error)})` }]) }
  }
  const result = TelemetryRules.safeParse(raw)
  return result.success ? { ok: true, value: result.data } : { ok: false, error: new PolicyError(file, issuesOf(result.error)) }
}

/**
 * The rules in force: <data folder>/telemetry-rules.json when it exists and is valid, else the
 * defaults (the template's values). A bad file is reported, naming its fields, and never used
 * in part. Read afresh each time, so an edit counts from the next run of the learning loop.
 */
export async function loadTelemetryRules(file: string, log: (line: string) => void = () => {}): Promise<TelemetryRules> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`telemetry rules: cannot read ${file} (${errorMessage(error)}); using the defaults`)
    return DEFAULT_TELEMETRY_RULES
  }
  const parsed = parseTelemetryRulesText(text, file)
  if (parsed.ok) return parsed.value
  log(`telemetry rules rejected (${parsed.error.message}); using the defaults until it is fixed`)
  return DEFAULT_TELEMETRY_RULES
}
