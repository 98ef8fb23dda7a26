import type { EndpointConfig, ModelPrice } from '../../../shared/endpoints'

/**
 * Published list prices (USD per million tokens) of common cloud models, used only when
 * neither the endpoint's settings nor the user's price table name the model. Edit the table
 * (cost.setPrice, or cost.json in the data folder) when a provider changes its prices.
 */
export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
}

/** Price of a cloud model nobody priced: on the expensive side, so budgets err towards caution. */
export const DEFAULT_CLOUD_PRICE: ModelPrice = { inputPerMTok: 2.5, outputPerMTok: 10 }

export type PriceSource = 'local' | 'endpoint' | 'user' | 'builtin' | 'default'

export interface PriceLookup {
  price: ModelPrice
  source: PriceSource
}

/**
 * The price of a model on an endpoint, first match wins: local models cost 0; the endpoint's
 * own `prices`; the user's table ("endpoint/model" then "model"); the built-in list; the default.
 */
export function lookupPrice(endpoint: EndpointConfig, model: string, userPrices: Readonly<Record<string, ModelPrice>>): PriceLookup {
  if (endpoint.tier === 'local') return { price: { inputPerMTok: 0, outputPerMTok: 0 }, source: 'local' }
  const own = endpoint.prices[model]
  if (own) return { price: own, source: 'endpoint' }
  const user = userPrices[`${endpoint.id}/${model}`] ?? userPrices[model]
  if (user) return { price: user, source: 'user' }
  // Router-style ids ("openai/gpt-4o-mini") are priced like the bare model.
  const builtin = BUILTIN_PRICES[model] ?? BUILTIN_PRICES[model.split('/').at(-1) ?? '']
  if (builtin) return { price: builtin, source: 'builtin' }
  return { price: DEFAULT_CLOUD_PRICE, source: 'default' }
}

export function costUsd(price: ModelPrice, usage: { inputTokens: number; outputTokens: number }): number {
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000
}
