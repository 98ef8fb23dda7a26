// Fidelity tests: the doubles are driven through the real `ollama` and
// `openai` clients, so anything the product sees through those clients is
// what it would see from the real servers.
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { splitTokens } from './http-double'
import { defaultOllamaReply, startOllamaDouble, type OllamaDouble } from './ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from './openai-double'

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection')
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of stream) items.push(item)
  return items
}

const hello = [{ role: 'user' as const, content: 'hello there' }]

describe('Ollama double through the ollama client', () => {
  let double: OllamaDouble
  let ollama: Ollama

  beforeAll(async () => {
    double = await startOllamaDouble({ models: ['llama3.2:1b', { name: 'qwen2.5:0.5b', parameterSize: '494M' }] })
    ollama = new Ollama({ host: double.url })
  })
  afterEach(() => double.clearFault())
  afterAll(() => double.close())

  it('reports version, pulled models and, after a chat, the loaded one', async () => {
    expect((await ollama.version()).version).toBe('0.12.6')
    const { models } = await ollama.list()
    expect(models.map((m) => m.name)).toEqual(['llama3.2:1b', 'qwen2.5:0.5b'])
    expect(models[1]?.details.parameter_size).toBe('494M')

    await ollama.chat({ model: 'qwen2.5:0.5b', messages: hello })
    const { models: running } = await ollama.ps()
    expect(running.map((m) => m.name)).toEqual(['qwen2.5:0.5b'])
    expect(new Date(running[0]?.expires_at ?? 0).getTime()).toBeGreaterThan(Date.now())
    expect(running[0]?.size_vram).toBeGreaterThan(0)
  })

  it('streams chat as NDJSON tokens ending in done:true with stats', async () => {
    const parts = await drain(await ollama.chat({ model: 'llama3.2:1b', messages: hello, stream: true }))
    const last = parts.at(-1)
    expect(parts.length).toBeGreaterThan(2)
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true)
    expect(parts.map((p) => p.message.content).join('')).toBe('You said: hello there')
    expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: parts.length - 1 })
    expect(last?.total_duration).toBeGreaterThan(0)
    expect(last?.prompt_eval_count).toBeGreaterThan(0)
  })

  it('answers scripted prompts with their scripted reply, the rest with `reply`, streamed or not', async () => {
    double.script = [
      { match: 'apples', reply: '14' },
      { match: /^hello/, reply: 'Hi!' },
    ]
    try {
      const ask = async (content: string) => (await ollama.chat({ model: 'llama3.2:1b', messages: [{ role: 'user', content }] })).message.content
      expect(await ask('How many apples?')).toBe('14')
      expect(await ask('hello there')).toBe('Hi!')
      expect(await ask('say hello')).toBe('You said: say hello')
      const parts = await drain(await ollama.chat({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'apples again' }], stream: true }))
      expect(parts.map((p) => p.message.content).join('')).toBe('14')
    } finally {
      double.script = []
    }
  })

  it('reports a re-pulled model: same name, new digest and modified_at', async () => {
    const before = (await ollama.list()).models[0]
    double.setModels([{ name: 'llama3.2:1b', digest: 'f'.repeat(64), modifiedAt: '2026-02-03T04:05:06Z' }, 'qwen2.5:0.5b'])
    try {
      const after = (await ollama.list()).models[0]
      expect(after?.name).toBe(before?.name)
      expect(after?.digest).toBe('f'.repeat(64))
      expect(before?.digest).not.toBe(after?.digest)
      expect(new Date(after!.modified_at).toISOString()).toBe('2026-02-03T04:05:06.000Z')
    } finally {
      double.setModels(['llama3.2:1b', { name: 'qwen2.5:0.5b', parameterSize: '494M' }])
    }
  })

  it('streams by default on the wire, as Ollama does', async () => {
    const res = await fetch(`${double.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2:1b', prompt: 'hi' }) })
    expect(res.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { response: string; done: boolean })
    expect(lines.at(-1)?.done).toBe(true)
    expect(lines.map((l) => l.response).join('')).toBe('You said: hi')
  })

  it('answers stream:false with one object, and records options', async () => {
    const reply = await ollama.generate({ model: 'llama3.2:1b', prompt: 'ping', options: { temperature: 0 } })
    expect(reply).toMatchObject({ response: 'You said: ping', done: true, done_reason: 'stop' })
    expect(double.requestsTo('/api/generate').at(-1)?.body).toMatchObject({ options: { temperature: 0 } })
  })

  it("answers /api/chat stream:false with the one object Ollama documents, the generation's time in eval_duration", async () => {
    double.tokenDelayMs = 5
    try {
      const res = await fetch(`${double.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2:1b', messages: hello, stream: false }) })
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      const body = (await res.json()) as Record<string, number> & { message: unknown }
      expect(Object.keys(body)).toEqual([
        'model',
        'created_at',
        'message',
        'done',
        'done_reason',
        'total_duration',
        'load_duration',
        'prompt_eval_count',
        'prompt_eval_duration',
        'eval_count',
        'eval_duration',
      ])
      expect(body).toMatchObject({ model: 'llama3.2:1b', message: { role: 'assistant', content: 'You said: hello there' }, done: true, done_reason: 'stop' })
      const pieces = splitTokens('You said: hello there').length
      expect(body.eval_count).toBe(pieces)
      expect(body.eval_duration).toBeGreaterThanOrEqual((pieces - 1) * 5_000_000)
      expect(body.prompt_eval_duration! + body.eval_duration!).toBe(body.total_duration)
    } finally {
      double.tokenDelayMs = 0
    }
  })

  it('hands format to the responder and returns its JSON', async () => {
    const schema = { type: 'object', properties: { difficulty: { type: 'integer' } }, required: ['difficulty'] }
    double.reply = (req) => JSON.stringify({ difficulty: req.format === undefined ? 0 : 7 })
    try {
      const reply = await ollama.chat({ model: 'llama3.2:1b', messages: hello, format: schema })
      expect(JSON.parse(reply.message.content)).toEqual({ difficulty: 7 })
    } finally {
      double.reply = defaultOllamaReply
    }
  })

  it('stops at options.num_predict with done_reason "length"', async () => {
    const reply = await ollama.chat({ model: 'llama3.2:1b', messages: hello, options: { num_predict: 2 } })
    expect(reply).toMatchObject({ done_reason: 'length', eval_count: 2 })
  })

  it('loads on an empty prompt and unloads on keep_alive 0', async () => {
    expect(await ollama.generate({ model: 'llama3.2:1b', prompt: '' })).toMatchObject({ done: true, done_reason: 'load' })
    expect((await ollama.ps()).models.some((m) => m.name === 'llama3.2:1b')).toBe(true)
    expect(await ollama.generate({ model: 'llama3.2:1b', prompt: '', keep_alive: 0 })).toMatchObject({ done_reason: 'unload' })
    expect((await ollama.ps()).models.some((m) => m.name === 'llama3.2:1b')).toBe(false)
  })

  it('embeds deterministically, normalised, similar texts closer', async () => {
    const { embeddings } = await ollama.embed({ model: 'llama3.2:1b', input: ['write a python function', 'write a python script', 'hello friend'] })
    const [a = [], b = [], c = []] = embeddings
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0)
    expect(dot(a, a)).toBeCloseTo(1)
    expect(dot(a, b)).toBeGreaterThan(dot(a, c))
    expect((await ollama.embed({ model: 'llama3.2:1b', input: 'write a python function' })).embeddings[0]).toEqual(a)
  })

  it("surfaces an unknown model as ResponseError 404 with Ollama's message", async () => {
    const err = await rejection(ollama.chat({ model: 'nope', messages: hello }))
    expect(err.name).toBe('ResponseError')
    expect(err.status_code).toBe(404)
    expect(err.message).toBe('model "nope" not found, try pulling it first')
  })

  it('answers a bad JSON body with 400 {"error"}', async () => {
    const res = await fetch(`${double.url}/api/chat`, { method: 'POST', body: '{not json' })
    expect(res.status).toBe(400)
    expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string')
  })

  it('injects 5xx for the next N requests only', async () => {
    double.setFault({ kind: 'serverError', status: 503, times: 1 })
    const err = await rejection(ollama.list())
    expect(err).toMatchObject({ name: 'ResponseError', status_code: 503 })
    expect(err.message).toContain('server busy')
    expect((await ollama.list()).models).toHaveLength(2)
  })

  it('injects 429 with Retry-After', async () => {
    double.setFault({ kind: 'rateLimit', retryAfterSeconds: 3 })
    expect(await rejection(ollama.chat({ model: 'llama3.2:1b', messages: hello }))).toMatchObject({ status_code: 429 })
    const res = await fetch(`${double.url}/api/tags`)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('3')
  })

  it('delays the first token (and the headers, as a model load does)', async () => {
    double.setFault({ kind: 'slowFirstToken', delayMs: 150, times: 1 })
    const started = Date.now()
    const stream = await ollama.chat({ model: 'llama3.2:1b', messages: hello, stream: true })
    await stream[Symbol.asyncIterator]().next()
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('makes the iterator throw on a mid-stream disconnect', async () => {
    double.setFault({ kind: 'disconnect', afterChunks: 2 })
    const stream = await ollama.chat({ model: 'llama3.2:1b', messages: hello, stream: true })
    await expect(drain(stream)).rejects.toThrow()
  })

  it('makes the iterator throw on an in-stream {"error"} line', async () => {
    double.setFault({ kind: 'streamError', afterChunks: 1, message: 'runner crashed' })
    const stream = await ollama.chat({ model: 'llama3.2:1b', messages: hello, stream: true })
    await expect(drain(stream)).rejects.toThrow('runner crashed')
  })

  it('sends a malformed line, which ollama-js skips with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    double.setFault({ kind: 'malformedChunk', afterChunks: 1 })
    const parts = await drain(await ollama.chat({ model: 'llama3.2:1b', messages: hello, stream: true }))
    expect(parts.at(-1)?.done).toBe(true)
    expect(warn).toHaveBeenCalledWith('invalid json: ', expect.stringContaining('"created_at":'))
    warn.mockRestore()
  })

  it('stalls a stream until the client aborts', async () => {
    double.setFault({ kind: 'stall', afterChunks: 1 })
    const stream = await ollama.chat({ model: 'llama3.2:1b', messages: hello, stream: true })
    setTimeout(() => stream.abort(), 100)
    const err = await rejection(drain(stream))
    expect(err.name).toBe('AbortError')
  })

  it('refuses connections after stop() and recovers on the same port after restart()', async () => {
    const own = await startOllamaDouble()
    const client = new Ollama({ host: own.url })
    await client.list() // leaves a pooled keep-alive connection behind
    await own.stop()
    const err = await rejection(client.version())
    expect((err.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED')
    await own.restart()
    expect((await client.version()).version).toBe('0.12.6')
    await own.close()
  })
})

describe('OpenAI double through the openai client', () => {
  let double: OpenAIDouble
  let openai: OpenAI

  beforeAll(async () => {
    double = await startOpenAIDouble({ apiKey: 'sk-good', maxPromptChars: 200 })
    openai = new OpenAI({ apiKey: 'sk-good', baseURL: double.url, maxRetries: 0 })
  })
  afterEach(() => double.clearFault())
  afterAll(() => double.close())

  it('lists models', async () => {
    const models = await openai.models.list()
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4o'])
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'openai' })
  })

  it('completes without streaming, with usage', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'You said: hi' } })
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0))
    expect(double.requestsTo('/v1/chat/completions').at(-1)?.body).toMatchObject({ temperature: 0.2 })
  })

  it('streams SSE chunks with role first, finish_reason, a usage chunk and [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = await drain(stream)
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('You said: hello there')
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.at(-1)?.choices).toEqual([])
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(chunks.length - 3)
  })

  it('returns JSON for response_format json_object', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'rate this' }],
      response_format: { type: 'json_object' },
    })
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ answer: 'rate this' })
  })

  it('rejects a wrong key with AuthenticationError', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key', baseURL: double.url, maxRetries: 0 })
    const err = await rejection(wrong.models.list())
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' })
  })

  it('rejects an unknown model with NotFoundError model_not_found', async () => {
    const err = await rejection(openai.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }))
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect(err.code).toBe('model_not_found')
  })

  it('rejects an over-long prompt with context_length_exceeded', async () => {
    const err = await rejection(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(201) }] }))
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err).toMatchObject({ code: 'context_length_exceeded', param: 'messages' })
  })

  it('injects 429 as RateLimitError with a readable retry-after', async () => {
    double.setFault({ kind: 'rateLimit', retryAfterSeconds: 7, times: 1 })
    const err = await rejection(openai.chat.completions.create({ model: 'gpt-4o', messages: hello }))
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect(err.code).toBe('rate_limit_exceeded')
    expect((err.headers as Headers).get('retry-after')).toBe('7')
  })

  it('injects 5xx as InternalServerError', async () => {
    double.setFault({ kind: 'serverError', status: 502, times: 1 })
    const err = await rejection(openai.models.list())
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect(err.status).toBe(502)
    expect((await openai.models.list()).data).toHaveLength(2)
  })

  it('makes the stream iterator throw on a mid-stream disconnect', async () => {
    double.setFault({ kind: 'disconnect', afterChunks: 2 })
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true })
    await expect(drain(stream)).rejects.toThrow()
  })

  it('makes the stream iterator throw on a malformed chunk', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    double.setFault({ kind: 'malformedChunk', afterChunks: 1 })
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true })
    await expect(drain(stream)).rejects.toThrow(SyntaxError)
    error.mockRestore()
  })

  it('makes the stream iterator throw APIError on an in-stream error event', async () => {
    double.setFault({ kind: 'streamError', afterChunks: 2, message: 'overloaded mid-stream' })
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true })
    await expect(drain(stream)).rejects.toThrow('overloaded mid-stream')
  })

  it('delays the first chunk but not the headers', async () => {
    // Headers arrive although the first chunk is held back far longer than the test may run.
    double.setFault({ kind: 'slowFirstToken', delayMs: 600_000, times: 1 })
    const abort = new AbortController()
    const held = await openai.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true }, { signal: abort.signal })
    abort.abort()
    await drain(held).catch(() => [])
    // The delay itself is a lower bound, which a slow machine can only lengthen.
    double.setFault({ kind: 'slowFirstToken', delayMs: 150, times: 1 })
    const started = Date.now()
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true })
    await stream[Symbol.asyncIterator]().next()
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('stalls a stream that an AbortController can end', async () => {
    double.setFault({ kind: 'stall', afterChunks: 1 })
    const abort = new AbortController()
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true }, { signal: abort.signal })
    setTimeout(() => abort.abort(), 100)
    // openai-node ends an aborted stream quietly or with an abort error; either way it
    // stops waiting (the stall never ends by itself), and without [DONE].
    const chunks = await drain(stream).catch(() => [])
    expect(chunks.length).toBeLessThanOrEqual(1)
  })

  it('refuses connections after stop() and recovers on the same port after restart()', async () => {
    const own = await startOpenAIDouble({ apiKey: 'k' })
    const client = new OpenAI({ apiKey: 'k', baseURL: own.url, maxRetries: 0 })
    await client.models.list() // leaves a pooled keep-alive connection behind
    await own.stop()
    const err = await rejection(client.models.list())
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError)
    expect(((err.cause as Error).cause as { code?: string }).code).toBe('ECONNREFUSED')
    await own.restart()
    expect((await client.models.list()).data.length).toBeGreaterThan(0)
    await own.close()
  })
})
