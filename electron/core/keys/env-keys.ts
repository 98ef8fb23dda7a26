import { EndpointId } from '../../../shared/endpoints'
import { ApiKey } from '../../../shared/keys'

/** Prefix of the environment variables that carry keys on a headless host. */
export const ENV_KEY_PREFIX = 'ROUTELLM_KEY_'

/** The variable that carries an endpoint's key: ROUTELLM_KEY_<ID, upper case, dashes as underscores>. */
export function envKeyName(endpointId: string): string {
  return ENV_KEY_PREFIX + endpointId.toUpperCase().replace(/-/g, '_')
}

/** The endpoint id a ROUTELLM_KEY_* variable stands for (ids never hold underscores, so this is exact). */
export function endpointIdOfEnvName(name: string): string | null {
  if (!name.startsWith(ENV_KEY_PREFIX)) return null
  const id = name.slice(ENV_KEY_PREFIX.length).toLowerCase().replace(/_/g, '-')
  return EndpointId.safeParse(id).success ? id : null
}

export interface EnvKeys {
  /** endpoint id → key. Held in this process's memory only, never written anywhere. */
  keys: ReadonlyMap<string, string>
  /** Variables that were ignored, by name (never by value). */
  warnings: string[]
}

/**
 * Keys passed as ROUTELLM_KEY_<ENDPOINT_ID> (headless host). A variable with a bad name or
 * an unusable value is ignored, and reported by name only.
 */
export function readEnvKeys(env: NodeJS.ProcessEnv): EnvKeys {
  const keys = new Map<string, string>()
  const warnings: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_KEY_PREFIX) || value === undefined) continue
    const id = endpointIdOfEnvName(name)
    if (id === null) {
      warnings.push(`${name} ignored: the part after ${ENV_KEY_PREFIX} must be an endpoint id (letters, digits, underscores for dashes)`)
      continue
    }
    if (value.trim() === '') continue
    const key = ApiKey.safeParse(value)
    if (!key.success) {
      warnings.push(`${name} ignored: ${key.error.issues[0]?.message ?? 'not a usable key'}`)
      continue
    }
    keys.set(id, key.data)
  }
  return { keys, warnings }
}
