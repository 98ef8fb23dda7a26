import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChatResult, ChatService, GenerateHooks } from '../core/chat/chat-service'
import { chatCompletions } from './openai-gateway'

// The gateway answers from the generation's onEnd hook: the client has its answer while the
// generation is still recording its outcome (telemetry, learning), which here never finishes
// until the test has read the whole response.

const DONE: ChatResult = {
  requestId: 'r1',
  phase: 'done',
  decision: null,
  servedBy: { tier: 'cloud', endpoint: 'cloud', model: 'gpt-big' },
  hops: [],
  usage: { inputTokens: 3, outputTokens: 2, ttftMs: null, totalMs: 1, costUsd: 0 },
}

/** A generation that streams "Hello there", ends, and resolves only once `release` is called. */
function slowBookkeeping() {
  let release = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  const chat: Pick<ChatService, 'generate'> = {
    async generate(_input, hooks: GenerateHooks = {}) {
      hooks.onToken?.('Hello ')
      hooks.onToken?.('there')
      hooks.onEnd?.(DONE)
      await released
      return DONE
    },
  }
  return { chat, release }
}

describe('gateway answers before the bookkeeping', () => {
  let server: http.Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  async function serve(chat: Pick<ChatService, 'generate'>): Promise<string> {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => void chatCompletions(req, res, JSON.parse(body) as unknown, chat))
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`
  }

  const post = (url: string, stream: boolean) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ model: 'routellm/cloud', stream, messages: [{ role: 'user', content: 'hi' }] }),
    })

  it('sends the whole JSON answer while the generation has not resolved yet', async () => {
    const { chat, release } = slowBookkeeping()
    const res = await post(await serve(chat), false)
    const answer = (await res.json()) as { choices: { message: { content: string } }[] }
    expect(answer.choices[0]!.message.content).toBe('Hello there')
    release()
  })

  it('ends the event stream with [DONE] while the generation has not resolved yet', async () => {
    const { chat, release } = slowBookkeeping()
    const res = await post(await serve(chat), true)
    const text = await res.text()
    expect(text).toContain('"content":"Hello "')
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
    release()
  })
})
