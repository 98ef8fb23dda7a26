import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EndpointConfig } from '../../../shared/endpoints'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { testConnection } from './connection-test'

const KEY = 'sk-canary-conn-1a2b3c4d5e6f7a8b'
const WRONG = 'sk-canary-wrong-9z8y7x6w5v4u'

describe('test connection (GET /models with the openai SDK)', () => {
  let cloud: OpenAIDouble
  const endpoint = (extra: Partial<EndpointConfig> = {}): EndpointConfig => ({
    id: 'cloud-double',
    name: 'Cloud double',
    provider: 'custom',
    baseURL: cloud.url,
    tier: 'cloud',
    models: [],
    prices: {},
    enabled: true,
    ...extra,
  })

  beforeAll(async () => {
    cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o-mini', 'gpt-4o'] })
  })
  afterAll(() => cloud.close())

  const noKeys = (r: object) => {
    const text = JSON.stringify(r)
    expect(text).not.toContain(KEY)
    expect(text).not.toContain(WRONG)
    expect(text).not.toMatch(/Incorrect API key|\*\*\*/) // the upstream 401 quotes part of the key
  }

  it('ok: lists the models with the right key, sent as a Bearer token', async () => {
    const r = await testConnection(endpoint(), KEY)
    expect(r).toMatchObject({ ok: true, kind: 'ok', httpStatus: 200, models: ['gpt-4o', 'gpt-4o-mini'] })
    expect(r.message).toMatch(/Connected to Cloud double: 2 models listed/)
    expect(cloud.requestsTo('/v1/models').at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`)
    noKeys(r)
  })

  it('offline mode: a cloud endpoint is not contacted and the result says RouteLLM is offline', async () => {
    const before = cloud.requests.length
    const r = await testConnection(endpoint(), KEY, { offlineReason: () => 'Offline mode is on: cloud endpoints are off' })
    expect(r).toMatchObject({ ok: false, kind: 'unreachable', httpStatus: null })
    expect(r.message).toBe(
      'Not tested: RouteLLM is offline (Offline mode is on: cloud endpoints are off), so it does not contact Cloud double. Turn offline mode off to test it.',
    )
    expect(cloud.requests.length).toBe(before)
    // A local endpoint (an OpenAI-compatible server on this machine) is still tested.
    expect(await testConnection(endpoint({ tier: 'local' }), KEY, { offlineReason: () => 'offline' })).toMatchObject({ kind: 'ok' })
  })

  it('a wrong key: "bad-key", in our words, never the upstream body', async () => {
    const r = await testConnection(endpoint(), WRONG)
    expect(r).toMatchObject({ ok: false, kind: 'bad-key', httpStatus: 401 })
    expect(r.message).toMatch(/refused the key \(HTTP 401\)/)
    noKeys(r)
  })

  it('no key: a cloud preset is not even called; a custom endpoint is tried and told it needs one', async () => {
    const before = cloud.requests.length
    const preset = await testConnection(endpoint({ provider: 'openai' }), null)
    expect(preset).toMatchObject({ kind: 'no-key', httpStatus: null })
    expect(cloud.requests.length).toBe(before)
    const custom = await testConnection(endpoint(), null)
    expect(custom).toMatchObject({ kind: 'no-key', httpStatus: 401 })
    expect(custom.message).toMatch(/needs a key/)
    // The SDK never falls back to OPENAI_API_KEY from the environment.
    expect(cloud.requests.at(-1)?.headers.authorization).toBe('Bearer routellm-no-key-set')
  })

  it('a base URL without /v1: "not OpenAI-compatible"', async () => {
    const r = await testConnection(endpoint({ baseURL: cloud.url.replace(/\/v1$/, '') }), KEY)
    expect(r).toMatchObject({ kind: 'not-openai-compatible', httpStatus: 404 })
    expect(r.message).toMatch(/usually ends in \/v1/)
  })

  it('rate limit and server errors are told apart, and never retried', async () => {
    cloud.setFault({ kind: 'rateLimit', retryAfterSeconds: 1, times: 1 })
    const before = cloud.requests.length
    expect(await testConnection(endpoint(), KEY)).toMatchObject({ kind: 'rate-limited', httpStatus: 429 })
    expect(cloud.requests.length).toBe(before + 1)
    cloud.setFault({ kind: 'serverError', status: 503, times: 1 })
    expect(await testConnection(endpoint(), KEY)).toMatchObject({ kind: 'server-error', httpStatus: 503 })
  })

  it('nothing listening: "unreachable", connection refused', async () => {
    const gone = await startOpenAIDouble()
    const url = gone.url
    await gone.close()
    const r = await testConnection(endpoint({ baseURL: url }), KEY)
    expect(r).toMatchObject({ ok: false, kind: 'unreachable', httpStatus: null })
    expect(r.message).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+\/v1: connection refused/)
  })

  it('a web page instead of an API: "not OpenAI-compatible"', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.end('<!doctype html><title>Router admin</title>')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const { port } = server.address() as AddressInfo
      const r = await testConnection(endpoint({ baseURL: `http://127.0.0.1:${port}/v1` }), KEY)
      expect(r).toMatchObject({ ok: false, kind: 'not-openai-compatible' })
    } finally {
      server.close()
    }
  })

  it('a server that never answers: "unreachable" after the timeout', async () => {
    const server = createServer(() => {})
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const { port } = server.address() as AddressInfo
      const r = await testConnection(endpoint({ baseURL: `http://127.0.0.1:${port}/v1` }), KEY, { timeoutMs: 200 })
      expect(r).toMatchObject({ kind: 'unreachable' })
      expect(r.message).toMatch(/in time/)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
