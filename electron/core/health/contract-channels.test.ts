import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { events } from '../../../shared/contract'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, type Harness } from '../../../test/support/chat-harness'
import { dispatch } from '../lib/contract-dispatch'
import { createHandlers } from '../handlers'
import type { Services } from '../services'

const KEY = 'sk-contract-canary-0123456789'

describe('health, network and cost channels', () => {
  let cloud: OpenAIDouble
  let h: Harness
  let handlers: ReturnType<typeof createHandlers>

  beforeEach(async () => {
    cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o-mini'] })
    h = createHarness({ endpoints: [cloudEndpoint('cloud', cloud.url, ['gpt-4o-mini'])], keys: { cloud: KEY }, route: { tier: 'cloud' } })
    // Only `providers` is used by these channels.
    handlers = createHandlers({ providers: h.stack } as unknown as Services)
  })
  afterEach(async () => {
    h.close()
    await cloud.close()
  })

  it('health.status reports every endpoint through the contract schema, with no key in it', async () => {
    await h.run('hello')
    const report = (await dispatch(handlers, 'health.status', {})) as { endpoints: Array<{ id: string; state: string; samples: number }> }
    expect(report.endpoints).toMatchObject([{ id: 'cloud', state: 'healthy', samples: 1 }])
    expect(JSON.stringify(report)).not.toContain(KEY)
    expect(events['health.status'].safeParse(report).success).toBe(true)
  })

  it('network.setOffline switches the cloud off and on', async () => {
    expect(await dispatch(handlers, 'network.setOffline', { offline: true })).toMatchObject({ offline: true, cause: 'setting' })
    expect(((await dispatch(handlers, 'health.status', {})) as { endpoints: Array<{ state: string }> }).endpoints[0]?.state).toBe('offline')
    expect(await dispatch(handlers, 'network.setOffline', { offline: false })).toMatchObject({ offline: false })
    await expect(dispatch(handlers, 'network.setOffline', { offline: 'yes' })).rejects.toThrow(/invalid input/)
  })

  it('cost.setBudget, cost.setPrice and cost.summary round-trip; bad input is refused before a handler runs', async () => {
    expect(await dispatch(handlers, 'cost.setBudget', { dailyUsd: 2, action: 'refuse' })).toMatchObject({
      budget: { dailyUsd: 2, monthlyUsd: null, action: 'refuse' },
    })
    const priced = await dispatch(handlers, 'cost.setPrice', { endpoint: 'cloud', model: 'gpt-4o-mini', price: { inputPerMTok: 1, outputPerMTok: 2 } })
    expect(priced).toMatchObject({ prices: { 'cloud/gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } } })
    const run = await h.run('hello')
    expect(((await dispatch(handlers, 'cost.summary', {})) as { todayUsd: number }).todayUsd).toBeCloseTo(run.result.usage!.costUsd!, 12)
    await expect(dispatch(handlers, 'cost.setBudget', { dailyUsd: -1 })).rejects.toThrow(/invalid input/)
    await expect(dispatch(handlers, 'cost.setPrice', { model: 'x', price: { inputPerMTok: -1, outputPerMTok: 0 } })).rejects.toThrow(/invalid input/)
  })
})
