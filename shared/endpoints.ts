import { z } from 'zod'
import { Tier } from './decision'

/** Providers RouteLLM knows how to talk to; every cloud one speaks the OpenAI API. */
export const ProviderKind = z.enum(['ollama', 'openai', 'featherless', 'openrouter', 'custom'])
export type ProviderKind = z.infer<typeof ProviderKind>

/** Price of one model, in US dollars per million tokens (local models cost 0). */
export const ModelPrice = z.object({
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
})
export type ModelPrice = z.infer<typeof ModelPrice>

/** Endpoint ids are also keychain account names: keep them short and plain. */
export const EndpointId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'endpoint id: 1–40 lowercase letters, digits or dashes, starting with a letter or digit')

/**
 * One place a prompt can be answered. Non-secret: it lives in the settings file; the API
 * key (if any) lives in the OS keychain under the endpoint id, never here.
 */
export const EndpointConfig = z.object({
  id: EndpointId,
  name: z.string().min(1).max(80),
  provider: ProviderKind,
  baseURL: z.url({ protocol: /^https?$/ }),
  tier: Tier,
  /** Models this endpoint may serve; the first is its default. */
  models: z.array(z.string().min(1)).max(200),
  prices: z.record(z.string(), ModelPrice).default({}),
  enabled: z.boolean().default(true),
})
export type EndpointConfig = z.infer<typeof EndpointConfig>

/** Presets for the providers users ask for most; the user adds models and a key. */
export const ENDPOINT_PRESETS: Record<'openai' | 'featherless' | 'openrouter', Omit<EndpointConfig, 'models' | 'prices'>> = {
  openai: { id: 'openai', name: 'OpenAI', provider: 'openai', baseURL: 'https://api.openai.com/v1', tier: 'cloud', enabled: true },
  featherless: { id: 'featherless', name: 'Featherless', provider: 'featherless', baseURL: 'https://api.featherless.ai/v1', tier: 'cloud', enabled: true },
  openrouter: { id: 'openrouter', name: 'OpenRouter', provider: 'openrouter', baseURL: 'https://openrouter.ai/api/v1', tier: 'cloud', enabled: true },
}
