import { z } from 'zod'
import { EndpointConfig, EndpointId } from './endpoints'

/**
 * Keys and endpoint settings on the contract. The one rule: an API key may travel *in*
 * (keys.set, keys.import) but no output or event ever carries one — outputs say only
 * whether a key is set and where it comes from.
 */

/** Longest API key accepted (real ones are well under 300 characters). */
export const MAX_KEY_CHARS = 4096

/**
 * An API key as typed or pasted: surrounding whitespace is dropped, the rest must be
 * printable ASCII without spaces (it becomes an HTTP header). Messages never echo it.
 */
export const ApiKey = z
  .string()
  .trim()
  .min(1, 'the key is empty')
  .max(MAX_KEY_CHARS, `the key is longer than ${MAX_KEY_CHARS} characters`)
  .regex(/^[\x21-\x7e]+$/, 'the key must be printable ASCII without spaces or line breaks')

/** Where an endpoint's key comes from. 'env': ROUTELLM_KEY_<ID> on a headless host, held in memory only. */
export const KeySource = z.enum(['keychain', 'env'])
export type KeySource = z.infer<typeof KeySource>

/** Only ever "set" / "not set" (or "unknown" while the keychain is unreachable): never the key. */
export const KeyStatus = z.object({
  endpointId: EndpointId,
  state: z.enum(['set', 'not-set', 'unknown']),
  source: KeySource.nullable(),
})
export type KeyStatus = z.infer<typeof KeyStatus>

/** What endpoints.save takes: the endpoint's settings (its base URL is checked for credentials by EndpointConfig). */
export const EndpointInput = EndpointConfig

export const EndpointView = EndpointConfig.extend({ key: KeyStatus })
export type EndpointView = z.infer<typeof EndpointView>

export const KeychainState = z.object({
  available: z.boolean(),
  /** Why it is unavailable and how to fix it; null when available. */
  message: z.string().nullable(),
})
export type KeychainState = z.infer<typeof KeychainState>

export const EndpointsOverview = z.object({
  endpoints: z.array(EndpointView),
  keychain: KeychainState,
  settings: z.object({
    file: z.string(),
    /** A settings file that could not be read: what is wrong (naming the field), and what is used instead. */
    problem: z.string().nullable(),
  }),
  /** Endpoint ids whose key comes from an environment variable (names only). */
  envKeys: z.array(EndpointId),
  /** Endpoints defined by the environment quick-config (OLLAMA_HOST, ROUTELLM_CLOUD_*): read-only here. */
  fromEnvironment: z.array(EndpointConfig.pick({ id: true, name: true, tier: true, baseURL: true, models: true })),
  /** Keychain entries of RouteLLM that belong to no configured endpoint. */
  orphanKeys: z.array(EndpointId),
  presets: z.array(EndpointConfig.omit({ models: true, prices: true })),
})
export type EndpointsOverview = z.infer<typeof EndpointsOverview>

export const ConnectionTestKind = z.enum(['ok', 'no-key', 'bad-key', 'unreachable', 'not-openai-compatible', 'rate-limited', 'server-error', 'error'])
export type ConnectionTestKind = z.infer<typeof ConnectionTestKind>

/** The result of one cheap authenticated call (list models). The message is ours, never the upstream body. */
export const ConnectionTestResult = z.object({
  endpointId: EndpointId,
  ok: z.boolean(),
  kind: ConnectionTestKind,
  message: z.string(),
  httpStatus: z.number().int().nullable(),
  /** Model ids the endpoint listed (at most 100). */
  models: z.array(z.string()),
  ms: z.number().nonnegative(),
})
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>

export const KeysImportResult = z.object({
  /** Endpoint ids added or updated in the settings. */
  endpoints: z.array(EndpointId),
  /** Endpoint ids whose key moved into the keychain. */
  keysStored: z.array(EndpointId),
  warnings: z.array(z.string()),
})
export type KeysImportResult = z.infer<typeof KeysImportResult>

/** Largest routellm-keys.json accepted. */
export const MAX_KEYS_FILE_CHARS = 1_000_000

export const EndpointsChanged = z.object({
  reason: z.enum(['saved', 'removed', 'imported', 'key-set', 'key-removed', 'reloaded']),
  endpointId: EndpointId.nullable(),
})
export type EndpointsChanged = z.infer<typeof EndpointsChanged>

/** Contract entries for keys and endpoints; spread into shared/contract.ts. */
export const keysContract = {
  'endpoints.list': { input: z.object({}), output: EndpointsOverview },
  'endpoints.save': {
    input: z.object({ endpoint: EndpointInput, mode: z.enum(['create', 'update']) }),
    output: EndpointView,
  },
  'endpoints.remove': {
    input: z.object({ id: EndpointId, removeKey: z.boolean().default(true) }),
    output: z.object({ removed: z.boolean(), keyRemoved: z.boolean() }),
  },
  'endpoints.test': { input: z.object({ id: EndpointId }), output: ConnectionTestResult },
  'keys.set': { input: z.object({ endpointId: EndpointId, key: ApiKey }), output: KeyStatus },
  'keys.check': { input: z.object({ endpointId: EndpointId }), output: KeyStatus },
  'keys.remove': {
    input: z.object({ endpointId: EndpointId }),
    output: z.object({ removed: z.boolean(), status: KeyStatus }),
  },
  'keys.import': {
    input: z.object({
      content: z.string().max(MAX_KEYS_FILE_CHARS, `the file is larger than ${MAX_KEYS_FILE_CHARS} characters`),
      fileName: z.string().max(255).optional(),
    }),
    output: KeysImportResult,
  },
  'keys.export': {
    input: z.object({}),
    output: z.object({ fileName: z.string(), content: z.string(), endpoints: z.number().int() }),
  },
} as const

export const keysEvents = {
  'endpoints.changed': EndpointsChanged,
} as const
