import { PassThrough, Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, ollamaEndpoint, type Harness } from '../../../test/support/chat-harness'
import { createChatCommand } from './chat'
import { UsageError } from './command'

const KEY = 'sk-test-double'

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()))
  return { stream, text: () => text }
}

describe('routellm chat', () => {
  let ollama: OllamaDouble
  let a: OpenAIDouble
  let b: OpenAIDouble
  let h: Harness | undefined

  beforeEach(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => 'Local answer.' })
    a = await startOpenAIDouble({ apiKey: KEY, models: ['model-a'], reply: () => 'Answer from A, in several tokens.' })
    b = await startOpenAIDouble({ apiKey: KEY, models: ['model-b'], reply: () => 'Answer from B, in several tokens.' })
  })
  afterEach(async () => {
    h?.close()
    h = undefined
    await Promise.all([ollama.close(), a.close(), b.close()])
  })

  async function run(args: string[], tier: 'local' | 'cloud' = 'cloud') {
    h = createHarness({
      endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('a', a.url, ['model-a']), cloudEndpoint('b', b.url, ['model-b'])],
      keys: { a: KEY, b: KEY },
      route: { tier },
      ollamaUrl: ollama.url,
      timeouts: { firstTokenMs: { local: 600, cloud: 600 }, idleMs: 400 },
    })
    await h.stack.registry.refreshLocal()
    const harness = h
    const command = createChatCommand({ createServices: async () => ({ chat: harness.chat, close: async () => {} }), signals: [] })
    const stdout = capture()
    const stderr = capture()
    const code = await command.run({ args, stdout: stdout.stream, stderr: stderr.stream, stdin: Readable.from([]), env: {} })
    return { code, stdout: stdout.text(), stderr: stderr.text() }
  }

  it('streams the answer alone to stdout, with the routing note on stderr', async () => {
    const out = await run(['why is the sky blue?'])
    expect(out.code).toBe(0)
    expect(out.stdout).toBe('Answer from A, in several tokens.\n')
    expect(out.stderr).toContain('[cloud → a · model-a]')
    expect(out.stderr).toContain('[done] cloud · a · model-a')
  })

  it('--json prints one object with the decision, who served it, the answer and the failover hops', async () => {
    a.setFault({ kind: 'serverError', status: 502, times: 1 })
    const out = await run(['why is the sky blue?', '--json'])
    expect(out.code).toBe(0)
    const report = JSON.parse(out.stdout) as Record<string, unknown>
    expect(report).toMatchObject({
      phase: 'done',
      servedBy: { tier: 'cloud', endpoint: 'b', model: 'model-b' },
      answer: 'Answer from B, in several tokens.',
      hops: [{ endpoint: 'a', model: 'model-a', tier: 'cloud', error: 'unavailable' }],
    })
    expect(report.decision).toMatchObject({ tier: 'cloud', endpoint: 'a' })
    expect(typeof report.costUsd).toBe('number')
  })

  it('an answer cut off mid-stream ends with a marker line and exit code 1', async () => {
    a.setFault({ kind: 'disconnect', afterChunks: 3, times: 1 })
    const out = await run(['why is the sky blue?'])
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/^Answer from.*\n\[answer interrupted: The answer was interrupted .*incomplete\.\]\n$/s)
    expect(b.requests).toHaveLength(0)
  })

  it('--tier local is passed to the router as the user override', async () => {
    const out = await run(['--tier', 'local', 'hello'], 'cloud')
    expect(out.code).toBe(0)
    expect(out.stdout).toBe('Local answer.\n')
  })

  it('refuses an empty prompt or a bad tier with a usage error', async () => {
    await expect(run(['   '])).rejects.toBeInstanceOf(UsageError)
    await expect(run(['hi', '--tier', 'moon'])).rejects.toBeInstanceOf(UsageError)
  })
})
