import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { OllamaBridge, OllamaError } from './bridge'
import { candidateHosts, normalizeOllamaHost } from './hosts'

/** A port nothing listens on: bind and release one. */
async function deadHost(): Promise<string> {
  const double = await startOllamaDouble()
  const url = double.url
  await double.close()
  return url
}

async function collect(iterable: AsyncIterable<{ text: string }>): Promise<string> {
  let text = ''
  for await (const chunk of iterable) text += chunk.text
  return text
}

describe('Ollama host addresses', () => {
  it('reads OLLAMA_HOST the way Ollama does: scheme and port optional, bind-all means this machine', () => {
    expect(normalizeOllamaHost('0.0.0.0')).toBe('http://127.0.0.1:11434')
    expect(normalizeOllamaHost('example.lan:9999')).toBe('http://example.lan:9999')
    expect(normalizeOllamaHost('https://gpu.box')).toBe('https://gpu.box')
    expect(normalizeOllamaHost(':8080')).toBe('http://127.0.0.1:8080')
  })

  it('tries OLLAMA_HOST, then configured hosts, then the defaults, without duplicates', () => {
    expect(candidateHosts({ OLLAMA_HOST: '127.0.0.1:11434' }, ['box:1'])).toEqual(['http://127.0.0.1:11434', 'http://box:1', 'http://localhost:11434'])
  })
})

describe('OllamaBridge against the Ollama API double', () => {
  let double: OllamaDouble
  beforeEach(async () => {
    double = await startOllamaDouble({
      models: [{ name: 'llama3.2:1b', family: 'llama', parameterSize: '1.2B', quantization: 'Q8_0' }],
      version: '0.12.3',
    })
  })
  afterEach(async () => {
    await double.close()
  })

  const bridgeFor = (host: string) => new OllamaBridge({ env: { OLLAMA_HOST: host }, probeTimeoutMs: 10_000 })

  it('detects the server, its version and its models with their details', async () => {
    const status = await bridgeFor(double.url).detect()
    expect(status.detected).toBe(true)
    if (!status.detected) return
    expect(status.host).toBe(double.url)
    expect(status.version).toBe('0.12.3')
    expect(status.models).toEqual([expect.objectContaining({ name: 'llama3.2:1b', family: 'llama', parameterSize: '1.2B', quantization: 'Q8_0' })])
  })

  it('streams a chat to the end and reports Ollama token counts', async () => {
    double.reply = () => 'Paris is the capital of France.'
    const bridge = bridgeFor(double.url)
    const chunks = []
    for await (const chunk of bridge.chat({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'capital?' }] })) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(2)
    expect(chunks.map((c) => c.text).join('')).toBe('Paris is the capital of France.')
    expect(chunks.at(-1)).toMatchObject({ done: true, usage: { outputTokens: expect.any(Number) } })
    expect(chunks.at(-1)!.usage!.outputTokens).toBeGreaterThan(0)
  })

  it('stops a stream when its signal aborts, with an "aborted" error and no more tokens', async () => {
    double.setFault({ kind: 'stall', afterChunks: 2 })
    const bridge = bridgeFor(double.url)
    const controller = new AbortController()
    const received: string[] = []
    const run = (async () => {
      for await (const chunk of bridge.chat({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'tell me a story' }], signal: controller.signal })) {
        received.push(chunk.text)
        if (received.length === 2) controller.abort()
      }
    })()
    await expect(run).rejects.toMatchObject({ name: 'OllamaError', kind: 'aborted' })
    expect(received).toHaveLength(2)
  })

  it("passes Ollama's own error for an unknown model", async () => {
    const bridge = bridgeFor(double.url)
    await expect(collect(bridge.chat({ model: 'nope:7b', messages: [{ role: 'user', content: 'hi' }] }))).rejects.toMatchObject({
      kind: 'upstream',
      status: 404,
      message: expect.stringContaining('not found'),
    })
  })

  it('returns a non-streamed completion (the probe), asking Ollama for one JSON object', async () => {
    double.reply = () => '{"difficulty": 3, "reason": "short"}'
    const answer = await bridgeFor(double.url).complete({
      model: 'llama3.2:1b',
      messages: [{ role: 'user', content: 'rate' }],
      format: { type: 'object' },
      options: { temperature: 0 },
    })
    expect(JSON.parse(answer.text)).toEqual({ difficulty: 3, reason: 'short' })
    expect(double.requestsTo('/api/chat').at(-1)?.body).toMatchObject({ stream: false, options: { temperature: 0 } })
  })

  it("sends keep_alive on a non-streamed chat and returns Ollama's token counts and done_reason", async () => {
    double.reply = () => 'one two three four'
    const bridge = bridgeFor(double.url)
    const answer = await bridge.complete({
      model: 'llama3.2:1b',
      messages: [{ role: 'user', content: 'count' }],
      keepAlive: '30m',
      options: { num_predict: 2 },
    })
    const sent = double.requestsTo('/api/chat').at(-1)?.body
    expect(sent).toMatchObject({ stream: false, keep_alive: '30m' })
    // The double counts the cut reply's tokens (2) and the prompt's; "length" because num_predict cut it.
    expect(answer).toEqual({ text: 'one two', usage: { inputTokens: expect.any(Number), outputTokens: 2 }, doneReason: 'length' })
    expect(answer.usage!.inputTokens).toBeGreaterThan(0)
  })

  it('reports no usage when Ollama reports no token counts (a load-only answer)', async () => {
    const answer = await bridgeFor(double.url).complete({ model: 'llama3.2:1b', messages: [] })
    expect(answer).toEqual({ text: '', doneReason: 'load' })
  })

  it('stops a non-streamed chat when its signal aborts while Ollama is still generating', async () => {
    double.setFault({ kind: 'stall' })
    const controller = new AbortController()
    const arrived = new Promise<void>((resolve) => (double.reply = () => (resolve(), 'never sent')))
    const pending = bridgeFor(double.url).complete({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], signal: controller.signal })
    await arrived
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'OllamaError', kind: 'aborted' })
  })

  it("sends a non-streamed chat through the caller's transport, which the signal still stops", async () => {
    const sent: string[] = []
    const transport: typeof fetch = (input, init) => {
      sent.push(String(input))
      return fetch(input, init)
    }
    const bridge = bridgeFor(double.url)
    expect((await bridge.complete({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], transport })).text).toBe('You said: hi')
    expect(sent).toEqual([`${double.url}/api/chat`])
    double.setFault({ kind: 'stall' })
    const controller = new AbortController()
    const arrived = new Promise<void>((resolve) => (double.reply = () => (resolve(), 'never sent')))
    const pending = bridge.complete({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], signal: controller.signal, transport })
    await arrived
    controller.abort()
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' })
    expect(sent).toHaveLength(2)
  })

  it("passes Ollama's own error for an unknown model on a non-streamed chat too", async () => {
    await expect(bridgeFor(double.url).complete({ model: 'nope:7b', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      kind: 'upstream',
      status: 404,
      message: expect.stringContaining('not found'),
    })
  })
})

describe('OllamaBridge with Ollama down', () => {
  it('gives up on an address that never answers after ROUTELLM_OLLAMA_PROBE_TIMEOUT_MS', async () => {
    const silent = createServer(() => {}) // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const host = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    try {
      const status = await new OllamaBridge({ hosts: [host], env: { ROUTELLM_OLLAMA_PROBE_TIMEOUT_MS: '100' } }).detect()
      expect(status).toMatchObject({ detected: false, tried: [{ host, ok: false }] })
    } finally {
      silent.closeAllConnections()
      await new Promise((r) => silent.close(r))
    }
  })

  it('reports "not detected" with every address it tried and why', async () => {
    const host = await deadHost()
    const status = await new OllamaBridge({ env: { OLLAMA_HOST: host }, probeTimeoutMs: 10_000 }).detect()
    expect(status.detected).toBe(false)
    expect(status.tried[0]).toEqual({ host, ok: false, error: 'connection refused' })
    expect(status.tried.map((t) => t.host)).toContain('http://127.0.0.1:11434')
  })

  it('fails a chat with a clear error naming the addresses and the fix', async () => {
    const host = await deadHost()
    const bridge = new OllamaBridge({ env: { OLLAMA_HOST: host }, probeTimeoutMs: 10_000 })
    const error = await collect(bridge.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OllamaError)
    expect((error as OllamaError).kind).toBe('unreachable')
    expect((error as Error).message).toContain(host)
    expect((error as Error).message).toContain('ollama serve')
  })

  it('finds Ollama again after it restarts', async () => {
    const double = await startOllamaDouble({ models: ['llama3.2:1b'] })
    try {
      const bridge = new OllamaBridge({ env: { OLLAMA_HOST: double.url }, probeTimeoutMs: 10_000 })
      expect((await bridge.detect()).detected).toBe(true)
      await double.stop()
      await expect(collect(bridge.chat({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }] }))).rejects.toMatchObject({ kind: 'unreachable' })
      await double.restart()
      expect(await collect(bridge.chat({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }] }))).not.toBe('')
    } finally {
      await double.close()
    }
  })
})
