import { z } from 'zod'
import { ENDPOINT_PRESETS, EndpointConfig } from '../../../shared/endpoints'
import { ApiKey } from '../../../shared/keys'
import { describeIssues, FileFormatError, parseJsonFile } from '../lib/json-errors'
import { uniqueEndpointIds, type Settings } from './settings-store'

export const KEYS_FILE_NAME = 'routellm-keys.json'
export const KEYS_FILE_VERSION = 1

/**
 * One endpoint in routellm-keys.json: the settings fields plus an optional `apiKey`.
 * For a preset id (openai, featherless, openrouter) only `id` is required: name, provider,
 * baseURL and tier default to the preset's. `models` defaults to [] and `prices` to {}.
 * An empty or null `apiKey` means "no key in this file".
 */
const KeysFileEndpoint = z.preprocess(
  (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
    const entry = raw as Record<string, unknown>
    const preset = typeof entry.id === 'string' ? ENDPOINT_PRESETS[entry.id as keyof typeof ENDPOINT_PRESETS] : undefined
    const filled: Record<string, unknown> = { models: [], ...(preset ?? {}), ...entry }
    if (filled.apiKey === '' || filled.apiKey === null) delete filled.apiKey
    return filled
  },
  EndpointConfig.extend({ apiKey: ApiKey.optional() }).strict(),
)

/**
 * routellm-keys.json, version 1: endpoints to configure, each optionally with its API key.
 * Importing moves the keys into the OS keychain (the file keeps them until you delete it);
 * exporting writes the same layout without any key. Template: resources/templates/routellm-keys.json.
 */
export const KeysFile = z.strictObject({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  version: z.literal(KEYS_FILE_VERSION, { error: `must be ${KEYS_FILE_VERSION}` }),
  endpoints: z.array(KeysFileEndpoint).max(100).superRefine(uniqueEndpointIds),
})
export type KeysFile = z.infer<typeof KeysFile>

export interface ParsedKeysFile {
  endpoints: EndpointConfig[]
  /** endpoint id → key, for the keychain. */
  keys: Map<string, string>
}

/** Parse and validate; errors name the file and the field, and never quote a key. */
export function parseKeysFile(text: string, fileName = KEYS_FILE_NAME): ParsedKeysFile {
  const raw = parseJsonFile(fileName, text)
  const version = (raw as { version?: unknown } | null)?.version
  if (typeof version === 'number' && version > KEYS_FILE_VERSION) {
    throw new FileFormatError(fileName, `version: ${version} was written by a newer RouteLLM; this one reads version ${KEYS_FILE_VERSION}`)
  }
  const result = KeysFile.safeParse(raw)
  if (!result.success) throw new FileFormatError(fileName, describeIssues(result.error.issues))
  const keys = new Map<string, string>()
  const endpoints = result.data.endpoints.map(({ apiKey, ...endpoint }) => {
    if (apiKey !== undefined) keys.set(endpoint.id, apiKey)
    return endpoint
  })
  return { endpoints, keys }
}

/** The export: every endpoint, no key (they stay in the keychain). */
export function renderKeysFile(settings: Settings, now: Date = new Date()): string {
  const file = {
    $comment:
      `Exported by RouteLLM on ${now.toISOString().slice(0, 10)}. API keys are not exported: they stay in the OS keychain. ` +
      'To move keys too, add "apiKey" to an endpoint before importing, then delete this file.',
    version: KEYS_FILE_VERSION,
    endpoints: settings.endpoints,
  }
  return `${JSON.stringify(file, null, 2)}\n`
}
