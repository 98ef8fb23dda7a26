import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { EndpointConfig } from '../../../shared/endpoints'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { OpenAIProvider } from './openai-provider'
import { createPooledFetch } from './pooled-fetch'
import { ProviderError } from './types'

/** A plain HTTP server that counts the connections it was opened and closed on. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const sockets: Socket[] = []
  let closedSockets = 0
  const server: Server = createServer(handler)
  server.on('connection', (socket: Socket) => {
    sockets.push(socket)
    socket.once('close', () => (closedSockets += 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => sockets.length,
    closed: () => closedSockets,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}

const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = await startServer(handler)
  servers.push(s)
  return s
}

describe('pooled fetch', () => {
  it('sends the method, headers and body, and keeps the connection for the next request', async () => {
    const seen: Array<{ method?: string; auth?: string; body: string }> = []
    const s = await server((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ method: req.method, auth: req.headers.authorization, body })
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r1' })
        res.end('{"ok":true}')
      })
    })
    const fetch = createPooledFetch()
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${s.url}/v1/x`, { method: 'POST', headers: new Headers({ Authorization: 'Bearer k' }), body: `{"n":${i}}` })
      expect(response.status).toBe(200)
      expect(response.headers.get('x-request-id')).toBe('r1')
      expect(await response.json()).toEqual({ ok: true })
    }
    expect(seen).toEqual([0, 1, 2].map((n) => ({ method: 'POST', auth: 'Bearer k', body: `{"n":${n}}` })))
    expect(s.connections()).toBe(1)
  })

  it('opens a connection per concurrent request', async () => {
    const s = await server((_req, res) => setTimeout(() => res.end('x'), 20))
    const fetch = createPooledFetch()
    await Promise.all(Array.from({ length: 5 }, async () => (await fetch(s.url)).text()))
    expect(s.connections()).toBe(5)
  })

  it('reads an error answer whole, with its status and body', async () => {
    const s = await server((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' })
      res.end('{"error":{"message":"slow down"}}')
    })
    const response = await createPooledFetch()(s.url)
    expect(response).toMatchObject({ status: 429, ok: false })
    expect(response.headers.get('retry-after')).toBe('7')
    expect(await response.text()).toBe('{"error":{"message":"slow down"}}')
  })

  it('a whole answer reads as JSON, and malformed JSON rejects as fetch’s json() does', async () => {
    let body = '{"choices":[{"message":{"content":"hé"}}]}'
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
    })
    const fetch = createPooledFetch()
    expect(await (await fetch(s.url)).json()).toEqual({ choices: [{ message: { content: 'hé' } }] })
    body = '{"choices":'
    await expect((await fetch(s.url)).json()).rejects.toBeInstanceOf(SyntaxError)
  })

  it('a whole answer still reads as a web stream for a reader that asks for its body', async () => {
    const s = await server((_req, res) => res.end('plain bytes, read by stream'))
    const response = await createPooledFetch()(s.url)
    let text = ''
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(bytes).toString()
    expect(text).toBe('plain bytes, read by stream')
  })

  it('hands an event stream over as it arrives, and an abort closes the upstream connection', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: first\n\n') // and nothing more: the stream stays open
    })
    const controller = new AbortController()
    const response = await createPooledFetch()(s.url, { signal: controller.signal })
    const body = response.body as unknown as AsyncIterable<Buffer>
    for await (const chunk of body) {
      expect(chunk.toString()).toBe('data: first\n\n')
      controller.abort()
      break
    }
    await expect.poll(() => s.closed()).toBe(1)
  })

  it('rejects with the socket error when the server cannot be reached', async () => {
    const s = await server(() => {})
    const url = s.url
    await s.close()
    await expect(createPooledFetch()(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})

describe('OpenAIProvider over the pooled fetch', () => {
  let cloud: OpenAIDouble
  afterEach(() => cloud.close())

  const provider = () =>
    new OpenAIProvider(
      EndpointConfig.parse({ id: 'cloud', name: 'Cloud', provider: 'custom', baseURL: cloud.url, tier: 'cloud', models: ['gpt-4o-mini'] }),
      'sk-test-double',
      { requestTimeoutMs: 2000 },
    )
  const request = () => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }], signal: new AbortController().signal })

  it('a stream cut by the upstream fails as an upstream fault, not as a stop', async () => {
    cloud = await startOpenAIDouble({ apiKey: 'sk-test-double', models: ['gpt-4o-mini'], reply: () => 'one two three four' })
    cloud.setFault({ kind: 'disconnect', afterChunks: 2, times: 1 })
    let text = ''
    const error = await (async () => {
      try {
        for await (const chunk of provider().stream(request())) text += chunk.text
      } catch (caught) {
        return caught
      }
      return null
    })()
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({ errorClass: 'unavailable', message: 'Cloud (cloud): the connection dropped' })
    expect(text.length).toBeGreaterThan(0)
  })
})
