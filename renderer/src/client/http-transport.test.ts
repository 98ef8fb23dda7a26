import { afterEach, describe, expect, it } from 'vitest'
import { ContractError } from '../../../shared/client'
import type { ChatToken } from '../../../shared/chat'
import { createHttpClient } from './http-transport'
import type { ConnectionState } from './types'

interface Recorded {
  url: string
  init: RequestInit
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

/** An SSE response whose body the test writes to, and can end or break. */
function sseResponse() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
    },
  })
  const enc = new TextEncoder()
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    send: (text: string) => controller.enqueue(enc.encode(text)),
    end: () => controller.close(),
    fail: () => controller.error(new TypeError('network error')),
  }
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms))

const decision = {
  id: 'd',
  tier: 'cloud',
  model: 'gpt',
  endpoint: 'openai',
  complexity: 80,
  threshold: 65,
  explanation: 'hard',
  pinned: null,
  trace: [],
  ms: 1,
}

let cleanup: Array<() => void> = []
afterEach(() => {
  cleanup.forEach((f) => f())
  cleanup = []
})

describe('createHttpClient: calls', () => {
  it('POSTs JSON with the bearer token and validates the reply', async () => {
    const calls: Recorded[] = []
    const client = createHttpClient({
      baseUrl: 'http://127.0.0.1:9/',
      token: 'T0K',
      fetch: async (url, init) => {
        calls.push({ url, init })
        return json(200, decision)
      },
    })
    const out = await client.call('route.decide', { prompt: 'hi' })
    expect(out.tier).toBe('cloud')
    expect(calls).toHaveLength(1)
    expect(calls[0]!.url).toBe('http://127.0.0.1:9/api/rpc/route.decide')
    expect(calls[0]!.init.method).toBe('POST')
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer T0K')
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ prompt: 'hi' })
  })

  it('sends no Authorization header without a token', async () => {
    let headers: Record<string, string> = {}
    const client = createHttpClient({
      token: null,
      fetch: async (_url, init) => {
        headers = init.headers as Record<string, string>
        return json(401, { error: { message: 'missing bearer token', code: 'unauthorized' } })
      },
    })
    await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'unauthorized', message: 'missing bearer token' })
    expect(headers.Authorization).toBeUndefined()
  })

  it('turns the host error body into a ContractError with issues', async () => {
    const issues = [{ path: ['prompt'], message: 'prompt must not be empty' }]
    const client = createHttpClient({
      token: 't',
      fetch: async () => json(400, { error: { message: 'invalid input for route.decide', code: 'invalid-input', issues } }),
    })
    const err = await client.call('route.decide', { prompt: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ContractError)
    expect(err).toMatchObject({ code: 'invalid-input', message: 'invalid input for route.decide', issues })
  })

  it('falls back to the HTTP status when the body is not the error shape', async () => {
    const client = createHttpClient({ token: 't', fetch: async () => new Response('<html>', { status: 503 }) })
    await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'unavailable' })
    const forbidden = createHttpClient({ token: 't', fetch: async () => json(403, { nope: 1 }) })
    await expect(forbidden.call('app.info', {})).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('reports a network failure as unavailable', async () => {
    const client = createHttpClient({
      token: 't',
      fetch: async () => {
        throw new TypeError('Failed to fetch')
      },
    })
    await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('rejects a malformed reply and a non-JSON reply', async () => {
    const bad = createHttpClient({ token: 't', fetch: async () => json(200, { tier: 'moon' }) })
    await expect(bad.call('route.decide', { prompt: 'x' })).rejects.toMatchObject({ code: 'internal' })
    const text = createHttpClient({ token: 't', fetch: async () => new Response('not json', { status: 200 }) })
    await expect(text.call('app.info', {})).rejects.toMatchObject({ code: 'internal' })
  })

  it('validates input before sending', async () => {
    let sent = false
    const client = createHttpClient({
      token: 't',
      fetch: async () => {
        sent = true
        return json(200, {})
      },
    })
    await expect(client.call('route.decide', { prompt: '' })).rejects.toMatchObject({ code: 'invalid-input' })
    expect(sent).toBe(false)
  })
})

describe('createHttpClient: events', () => {
  it('streams validated events to listeners over one connection with the token in a header', async () => {
    const stream = sseResponse()
    const seen: Recorded[] = []
    const client = createHttpClient({
      token: 'T',
      fetch: async (url, init) => {
        seen.push({ url, init })
        return stream.response
      },
    })
    cleanup.push(() => client.close())
    const originalWarn = console.warn
    console.warn = () => {}
    cleanup.push(() => (console.warn = originalWarn))
    const tokens: ChatToken[] = []
    const phases: string[] = []
    client.on('chat.token', (t) => tokens.push(t))
    client.on('chat.status', (s) => phases.push(s.phase))
    await tick()
    expect(seen).toHaveLength(1)
    expect(seen[0]!.url).toBe('/api/events')
    expect((seen[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer T')
    expect(client.connection().status).toBe('open')

    stream.send(': hello\n\nevent: chat.status\ndata: {"requestId":"r","phase":"generating"}\n\n')
    stream.send('event: chat.token\ndata: {"requestId":"r","text":" a\\n"}\n\nevent: chat.tok')
    stream.send('en\ndata: {"requestId":"r","text":"b"}\n\n')
    stream.send('event: chat.token\ndata: {"requestId":"r"}\n\n') // malformed: dropped
    stream.send('event: chat.token\ndata: not json\n\n') // not JSON: dropped
    stream.send('event: unknown.event\ndata: {}\n\n') // unknown: ignored
    await tick()
    expect(phases).toEqual(['generating'])
    expect(tokens.map((t) => t.text)).toEqual([' a\n', 'b'])
  })

  it('reconnects with exponential backoff and sends Last-Event-ID', async () => {
    const streams = [sseResponse(), sseResponse(), sseResponse()]
    const requests: Recorded[] = []
    const delays: number[] = []
    let failNext = false
    const client = createHttpClient({
      token: 'T',
      backoff: { initialMs: 100, maxMs: 250 },
      sleep: async (ms) => {
        delays.push(ms)
      },
      fetch: async (url, init) => {
        requests.push({ url, init })
        if (failNext) {
          failNext = false
          throw new TypeError('connection refused')
        }
        return streams[Math.min(requests.length - 1, streams.length - 1)]!.response
      },
    })
    cleanup.push(() => client.close())
    const states: ConnectionState['status'][] = []
    client.onConnection((s) => states.push(s.status))
    const tokens: string[] = []
    client.on('chat.token', (t) => tokens.push(t.text))
    await tick()
    streams[0]!.send('id: 41\nevent: chat.token\ndata: {"requestId":"r","text":"1"}\n\n')
    await tick()
    streams[0]!.end() // host closed the stream
    await tick()
    expect(requests).toHaveLength(2)
    expect((requests[1]!.init.headers as Record<string, string>)['Last-Event-ID']).toBe('41')
    streams[1]!.send('event: chat.token\ndata: {"requestId":"r","text":"2"}\n\n')
    await tick()
    failNext = true
    streams[1]!.fail()
    await tick(20)
    expect(tokens).toEqual(['1', '2'])
    // open resets the backoff: 100 after the first drop, then 100 (dropped while open), 200 after a failed connect
    expect(delays).toEqual([100, 100, 200])
    expect(states).toContain('retrying')
    expect(client.connection().status).toBe('open')
  })

  it('stops retrying when the token is refused', async () => {
    let n = 0
    const client = createHttpClient({
      token: 'bad',
      sleep: async () => {},
      fetch: async () => {
        n++
        return json(401, { error: { message: 'invalid token', code: 'unauthorized' } })
      },
    })
    cleanup.push(() => client.close())
    client.on('chat.token', () => {})
    await tick(20)
    expect(n).toBe(1)
    expect(client.connection()).toMatchObject({ status: 'unauthorized', error: 'invalid token' })
  })

  it('closes the stream when the last listener leaves, but not on a quick resubscribe', async () => {
    const aborted: boolean[] = []
    let opened = 0
    const client = createHttpClient({
      token: 'T',
      fetch: async (_url, init) => {
        opened++
        const s = sseResponse()
        init.signal?.addEventListener('abort', () => {
          aborted.push(true)
          s.fail()
        })
        return s.response
      },
    })
    const off1 = client.on('chat.token', () => {})
    await tick()
    off1()
    const off2 = client.on('chat.token', () => {}) // StrictMode-style resubscribe
    await tick()
    expect(opened).toBe(1)
    expect(aborted).toEqual([])
    off2()
    await tick()
    expect(aborted).toEqual([true])
    expect(client.connection().status).toBe('idle')
  })

  it('chat.start waits for the event stream to open first', async () => {
    const order: string[] = []
    let openStream: (r: Response) => void = () => {}
    const client = createHttpClient({
      token: 'T',
      fetch: (url) => {
        if (url.endsWith('/api/events')) {
          order.push('events')
          return new Promise<Response>((resolve) => (openStream = resolve))
        }
        order.push('rpc')
        return Promise.resolve(json(200, { requestId: 'r1' }))
      },
    })
    cleanup.push(() => client.close())
    client.on('chat.status', () => {})
    const started = client.call('chat.start', { prompt: 'hi' })
    await tick()
    expect(order).toEqual(['events'])
    openStream(sseResponse().response)
    await expect(started).resolves.toEqual({ requestId: 'r1' })
    expect(order).toEqual(['events', 'rpc'])
  })

  it("chat.start names this tab's event stream, so its tokens come to this stream alone", async () => {
    const streams = [sseResponse(), sseResponse()]
    streams.forEach((s, i) => s.response.headers.set('X-RouteLLM-Stream', `stream-${i + 1}`))
    const sent: Array<{ channel: string; stream: string | null }> = []
    let opened = 0
    const client = createHttpClient({
      token: 'T',
      backoff: { initialMs: 1, maxMs: 1 },
      fetch: async (url, init) => {
        if (url.endsWith('/api/events')) return streams[opened++]!.response
        sent.push({ channel: url.split('/').pop()!, stream: new Headers(init.headers).get('X-RouteLLM-Stream') })
        return json(200, url.endsWith('chat.start') ? { requestId: 'r1' } : { stopped: true })
      },
    })
    cleanup.push(() => client.close())
    client.on('chat.token', () => {})
    await client.call('chat.start', { prompt: 'hi' })
    await client.call('chat.stop', { requestId: 'r1' })
    streams[0]!.end() // the host closed it: the next stream has another id
    await tick(20)
    await client.call('chat.start', { prompt: 'again' })
    expect(sent).toEqual([
      { channel: 'chat.start', stream: 'stream-1' },
      { channel: 'chat.stop', stream: null },
      { channel: 'chat.start', stream: 'stream-2' },
    ])
  })

  it('a throwing listener does not break the stream', async () => {
    const stream = sseResponse()
    const client = createHttpClient({ token: 'T', fetch: async () => stream.response })
    cleanup.push(() => client.close())
    const got: string[] = []
    const originalError = console.error
    console.error = () => {}
    cleanup.push(() => (console.error = originalError))
    client.on('chat.token', () => {
      throw new Error('listener bug')
    })
    client.on('chat.token', (t) => got.push(t.text))
    await tick()
    stream.send('event: chat.token\ndata: {"requestId":"r","text":"x"}\n\nevent: chat.token\ndata: {"requestId":"r","text":"y"}\n\n')
    await tick()
    expect(got).toEqual(['x', 'y'])
  })
})
