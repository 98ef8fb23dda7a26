import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChatStatus } from '../../../shared/chat'
import type { Decision } from '../../../shared/decision'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { EventBus } from '../event-bus'
import { OllamaBridge } from '../ollama/bridge'
import { ChatService, type ChatOutcome } from './chat-service'

const localDecision = (model: string | null): Decision => ({
  id: 'd1', tier: 'local', model, endpoint: model ? 'ollama' : null, complexity: 10, threshold: 65,
  explanation: 'short greeting', pinned: null, trace: [], ms: 0.1,
})

function harness(bridge: OllamaBridge, decision: Decision) {
  const bus = new EventBus()
  const statuses: ChatStatus[] = []
  const tokens: string[] = []
  const outcomes: ChatOutcome[] = []
  bus.subscribe((event, payload) => {
    if (event === 'chat.status') statuses.push(payload as ChatStatus)
    if (event === 'chat.token') tokens.push((payload as { text: string }).text)
  })
  const chat = new ChatService({ router: { decide: async () => decision }, bridge, bus, onOutcome: (o) => outcomes.push(o) })
  const finished = () =>
    new Promise<ChatStatus>((resolve) => {
      const check = () => {
        const last = statuses.at(-1)
        if (last && ['done', 'error', 'aborted'].includes(last.phase)) return resolve(last)
        setTimeout(check, 5)
      }
      check()
    })
  return { chat, statuses, tokens, outcomes, finished }
}

describe('ChatService generate flow', () => {
  let double: OllamaDouble
  beforeEach(async () => {
    double = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => 'Hi there, friend.' })
  })
  afterEach(() => double.close())

  it('goes analyzing → routing → generating → done and streams the answer as tokens', async () => {
    const h = harness(new OllamaBridge({ env: { OLLAMA_HOST: double.url } }), localDecision('llama3.2:1b'))
    const { requestId } = h.chat.start({ prompt: 'hello' })
    const last = await h.finished()
    expect(h.statuses.map((s) => s.phase)).toEqual(['analyzing', 'routing', 'generating', 'done'])
    expect(h.statuses.every((s) => s.requestId === requestId)).toBe(true)
    expect(h.tokens.join('')).toBe('Hi there, friend.')
    expect(last.servedBy).toEqual({ tier: 'local', endpoint: 'ollama', model: 'llama3.2:1b' })
    expect(last.usage?.outputTokens).toBeGreaterThan(0)
    expect(h.outcomes).toMatchObject([{ ok: true, aborted: false }])
    expect(h.chat.inFlight).toBe(0)
  })

  it('stops on request: phase aborted, no more tokens, outcome recorded as aborted', async () => {
    double.tokenDelayMs = 50
    const h = harness(new OllamaBridge({ env: { OLLAMA_HOST: double.url } }), localDecision('llama3.2:1b'))
    const { requestId } = h.chat.start({ prompt: 'hello' })
    while (h.tokens.length === 0) await new Promise((r) => setTimeout(r, 5))
    expect(h.chat.stop(requestId)).toBe(true)
    const last = await h.finished()
    const count = h.tokens.length
    await new Promise((r) => setTimeout(r, 120))
    expect(last.phase).toBe('aborted')
    expect(h.tokens.length).toBe(count)
    expect(h.tokens.join('')).not.toBe('Hi there, friend.')
    expect(h.outcomes).toMatchObject([{ ok: false, aborted: true }])
    expect(h.chat.stop(requestId)).toBe(false)
  })

  it('ends with a clear error when Ollama is down', async () => {
    const url = double.url
    await double.stop()
    const h = harness(new OllamaBridge({ env: { OLLAMA_HOST: url }, probeTimeoutMs: 300 }), localDecision('llama3.2:1b'))
    h.chat.start({ prompt: 'hello' })
    const last = await h.finished()
    expect(last.phase).toBe('error')
    expect(last.error).toContain('Ollama is not running')
  })

  it('ends with an actionable error when no local model exists', async () => {
    const h = harness(new OllamaBridge({ env: { OLLAMA_HOST: double.url } }), localDecision(null))
    h.chat.start({ prompt: 'hello' })
    const last = await h.finished()
    expect(last.phase).toBe('error')
    expect(last.error).toContain('ollama pull')
  })
})
