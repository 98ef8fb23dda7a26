// Host shutdown: the chat service is closed only after the generations in flight ended, so
// their outcomes still reach telemetry and the bandit before those stores close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { createHarness, ollamaEndpoint, type Harness } from '../../../test/support/chat-harness'

let ollama: OllamaDouble
let h: Harness

beforeEach(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => 'a local answer in several tokens' })
  h = createHarness({ endpoints: [ollamaEndpoint(ollama.url)], route: { tier: 'local' }, ollamaUrl: ollama.url })
  await h.stack.registry.refreshLocal()
})

afterEach(async () => {
  h.close()
  await ollama.close()
})

describe('closing the chat service', () => {
  it('stops a generation that is streaming and resolves only after its outcome was recorded', async () => {
    ollama.setFault({ kind: 'stall', afterChunks: 1 })
    let firstToken!: () => void
    const streaming = new Promise<void>((resolve) => (firstToken = resolve))
    // Started the way the gateway starts one: generate() with no signal of the service's own.
    const result = h.chat.generate({ prompt: 'hello' }, { onToken: () => firstToken() })
    await streaming
    expect(h.outcomes).toHaveLength(0)

    await h.chat.close()
    expect(h.outcomes).toMatchObject([{ aborted: true, servedBy: { endpoint: 'ollama' } }])
    expect((await result).phase).toBe('aborted')
    // The upstream was not blamed for the shutdown.
    expect(h.stack.health.health('ollama')).toMatchObject({ breaker: 'closed', lastError: null })
  })

  it('ends a generation asked for after close at once, as aborted', async () => {
    await h.chat.close()
    const late = await h.chat.generate({ prompt: 'hello' })
    expect(late.phase).toBe('aborted')
    expect(ollama.requestsTo('/api/chat')).toHaveLength(0)
  })
})
