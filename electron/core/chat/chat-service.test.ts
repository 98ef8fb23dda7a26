import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChatStatus } from '../../../shared/chat'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, ollamaEndpoint, type Harness } from '../../../test/support/chat-harness'

const KEY = 'sk-test-double'

describe('ChatService generate flow', () => {
  let ollama: OllamaDouble
  let cloud: OpenAIDouble
  let h: Harness | undefined
  beforeEach(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => 'Hi there, friend.' })
    cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o-mini'], reply: () => 'A cloud answer.' })
  })
  afterEach(async () => {
    h?.close()
    h = undefined
    await ollama.close()
    await cloud.close()
  })

  const endpoints = () => [
    ollamaEndpoint(ollama.url, ['llama3.2:1b']),
    cloudEndpoint('cloud', cloud.url, ['gpt-4o-mini'], { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } }),
  ]

  it('goes analyzing → routing → generating → done and streams the local answer as tokens (events on the bus)', async () => {
    h = createHarness({ endpoints: endpoints(), keys: { cloud: KEY }, route: { tier: 'local' }, ollamaUrl: ollama.url })
    const statuses: ChatStatus[] = []
    const tokens: string[] = []
    h.bus.subscribe((event, payload) => {
      if (event === 'chat.status') statuses.push(payload as ChatStatus)
      if (event === 'chat.token') tokens.push((payload as { text: string }).text)
    })
    const { requestId } = h.chat.start({ prompt: 'hello' })
    while (!['done', 'error', 'aborted'].includes(statuses.at(-1)?.phase ?? '')) await new Promise((r) => setTimeout(r, 5))
    const last = statuses.at(-1)!
    expect(statuses.map((s) => s.phase)).toEqual(['analyzing', 'routing', 'generating', 'done'])
    expect(statuses.every((s) => s.requestId === requestId)).toBe(true)
    // Every event carries the engine's clock since the start, so each phase has a measured duration.
    const elapsed = statuses.map((s) => s.elapsedMs ?? -1)
    expect(elapsed.every((ms) => ms >= 0)).toBe(true)
    expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed)
    expect(tokens.join('')).toBe('Hi there, friend.')
    expect(last.servedBy).toEqual({ tier: 'local', endpoint: 'ollama', model: 'llama3.2:1b' })
    expect(last.usage?.outputTokens).toBeGreaterThan(0)
    expect(last.usage?.costUsd).toBe(0)
    expect(h.outcomes).toMatchObject([{ ok: true, aborted: false }])
    expect(h.chat.inFlight).toBe(0)
  })

  it('streams a cloud answer through the OpenAI SDK, with the usage the endpoint reported and its cost', async () => {
    h = createHarness({ endpoints: endpoints(), keys: { cloud: KEY }, route: { tier: 'cloud' }, ollamaUrl: ollama.url })
    const { result, text } = await h.run('explain monads')
    expect(result.phase).toBe('done')
    expect(text).toBe('A cloud answer.')
    expect(result.servedBy).toEqual({ tier: 'cloud', endpoint: 'cloud', model: 'gpt-4o-mini' })
    const body = cloud.requestsTo('/v1/chat/completions')[0]?.body as Record<string, unknown>
    expect(body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } })
    expect(result.usage?.outputTokens).toBeGreaterThan(0)
    const expected = (result.usage!.inputTokens * 1 + result.usage!.outputTokens * 2) / 1e6
    expect(result.usage?.costUsd).toBeCloseTo(expected, 12)
    expect(h.stack.costs.spentToday()).toBeCloseTo(expected, 12)
  })

  it('stops on request: phase aborted, no more tokens, outcome recorded as aborted, endpoint not blamed', async () => {
    ollama.tokenDelayMs = 50
    h = createHarness({ endpoints: endpoints(), keys: { cloud: KEY }, route: { tier: 'local' }, ollamaUrl: ollama.url })
    const controller = new AbortController()
    let text = ''
    const done = h.chat.generate(
      { prompt: 'hello' },
      {
        signal: controller.signal,
        onToken: (t) => {
          text += t
          controller.abort()
        },
      },
    )
    const result = await done
    expect(result.phase).toBe('aborted')
    expect(text).not.toBe('Hi there, friend.')
    expect(h.outcomes).toMatchObject([{ ok: false, aborted: true }])
    expect(h.stack.gate.report().endpoints.find((e) => e.id === 'ollama')?.state).toBe('healthy')
  })

  it('hands the result to onEnd before the outcome and the spend are recorded, for answers and for errors alike', async () => {
    h = createHarness({ endpoints: endpoints(), keys: { cloud: KEY }, route: { tier: 'cloud' }, ollamaUrl: ollama.url })
    const seen: string[] = []
    const onEnd = (result: { phase: string }) => seen.push(`end ${result.phase} with ${h!.outcomes.length} outcomes recorded`)
    let spentAtEnd: number | null = null
    const done = await h.chat.generate({ prompt: 'explain monads' }, { onEnd: (r) => (onEnd(r), (spentAtEnd = h!.stack.costs.spentToday())) })
    expect(spentAtEnd).toBe(0)
    expect(h.stack.costs.spentToday()).toBeGreaterThan(0)
    for (const double of [cloud, ollama]) double.setFault({ kind: 'serverError', status: 500, times: 1 })
    const failed = await h.chat.generate({ prompt: 'explain monads again' }, { onEnd })
    expect([done.phase, failed.phase]).toEqual(['done', 'error'])
    expect(seen).toEqual(['end done with 0 outcomes recorded', 'end error with 1 outcomes recorded'])
    expect(h.outcomes).toHaveLength(2)
  })

  it('ends with a clear error when Ollama is down and the prompt must stay local', async () => {
    const url = ollama.url
    await ollama.stop()
    h = createHarness({ endpoints: endpoints(), keys: { cloud: KEY }, route: { tier: 'local', privacy: true }, ollamaUrl: url })
    const { result } = await h.run('my mail is a@b.example')
    expect(result.phase).toBe('error')
    expect(result.error).toMatch(/private data.*not sent to the cloud/)
    expect(result.error).toContain('connection refused')
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(0)
  })

  it('ends with an actionable error when no model exists anywhere', async () => {
    ollama.setModels([])
    h = createHarness({ endpoints: [ollamaEndpoint(ollama.url)], route: { tier: 'local' }, ollamaUrl: ollama.url })
    await h.stack.registry.refreshLocal()
    const { result } = await h.run('hello')
    expect(result.phase).toBe('error')
    expect(result.error).toContain('ollama pull')
  })
})
