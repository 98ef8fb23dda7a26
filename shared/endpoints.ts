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

/** Query parameters that carry credentials: api_key, key, token, access_token, secret, password, sig... */
const CREDENTIAL_PARAM = /key|token|secret|pass|pwd|auth|sig|credential/i

/**
 * An endpoint's base URL, wherever it comes from (the dashboard, an imported keys file, a
 * hand-edited settings.json, ROUTELLM_CLOUD_BASE_URL): http(s), and no secret inside it, no
 * user:password@ and no key-like query parameter, because a URL is written to settings.json,
 * listed by the API and quoted in messages, while keys belong in the keychain. Messages name
 * the problem and never quote the URL.
 */
export const BaseURL = z.url({ protocol: /^https?$/ }).superRefine((value, ctx) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return // the URL check above already reported it
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'the base URL must not contain a user name or password: put the key in the key field' })
  }
  const names = [...new Set(url.searchParams.keys())]
  for (const name of names.filter((n) => CREDENTIAL_PARAM.test(n))) {
    // The parameter's name is shown (it says what to remove), never its value.
    ctx.addIssue({ code: 'custom', message: `the base URL must not carry a "${name.slice(0, 40)}" parameter: put the key in the key field` })
  }
})

/**
 * One place a prompt can be answered. Non-secret: it lives in the settings file; the API
 * key (if any) lives in the OS keychain under the endpoint id, never here.
 */
export const EndpointConfig = z.object({
  id: EndpointId,
  name: z.string().min(1).max(80),
  provider: ProviderKind,
  baseURL: BaseURL,
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
