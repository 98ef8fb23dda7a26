import type { EndpointConfig } from '../../shared/endpoints'

/** A valid cloud endpoint for settings tests: id `id`, one model, no prices; `extra` overrides any field. */
export const endpointConfig = (id: string, extra: Partial<EndpointConfig> = {}): EndpointConfig => ({
  id,
  name: id.toUpperCase(),
  provider: 'custom',
  baseURL: `https://${id}.example/v1`,
  tier: 'cloud',
  models: ['m1'],
  prices: {},
  enabled: true,
  ...extra,
})
