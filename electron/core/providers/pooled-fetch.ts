import http from 'node:http'
import https from 'node:https'
import type { IncomingMessage } from 'node:http'

/**
 * A `fetch` over node:http keep-alive agents, for the openai SDK and for the ollama client's
 * whole (non-streamed) answers. Global fetch (undici) costs every request a web-stream copy of
 * the body, a clone of the request, a fetch controller and per-chunk web-stream reads; on a
 * gateway that forwards thousands of small requests a second that was a large share of its
 * CPU. It also gives up waiting for headers after 300 s, while Ollama sends a whole answer's
 * headers only once it is finished; this fetch keeps no timer (callers set the deadline).
 * Here the request leaves in one socket write and a streamed answer's body is the socket's
 * own Readable (async-iterable, which the SDK reads directly). Answers that are not event
 * streams (errors, listings, whole answers) are read whole into a standard Response.
 *
 * Aborting `init.signal` destroys the request, before or during the answer: the socket is
 * closed, the body iteration ends with an error, and the upstream sees the disconnect.
 */
export function createPooledFetch(): typeof fetch {
  // No cap on sockets per host: a gateway at c=32 needs 32 upstream connections, kept alive
  // between requests. An idle one is closed after 4 s, or a second before the server's own
  // `Keep-Alive: timeout=` (node's agent honours that hint only under a timeout of its own),
  // so a request is not sent on a connection the server is closing (undici's default too).
  const options = { keepAlive: true, timeout: 4_000 }
  const agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) }

  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input)
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null
    if (!client) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`))
    const body = init.body ?? null
    if (input instanceof Request || (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array))) {
      return Promise.reject(new TypeError('pooled fetch sends only string or byte bodies given in init'))
    }
    return new Promise<Response>((resolve, reject) => {
      const request = client.request(url, {
        method: init.method ?? 'GET',
        headers: headerRecord(init.headers),
        agent: agents[url.protocol as 'http:' | 'https:'],
        ...(init.signal ? { signal: init.signal } : {}),
      })
      request.once('error', reject)
      request.once('response', (res) => {
        const status = res.statusCode ?? 502
        const headers = responseHeaders(res)
        const streamed = status >= 200 && status < 300 && (res.headers['content-type'] ?? '').startsWith('text/event-stream')
        if (streamed) return resolve(withNodeBody(new Response(null, { status, statusText: res.statusMessage ?? '', headers }), res))
        readAll(res).then((bytes) => resolve(bufferedResponse(bytes, { status, statusText: res.statusMessage ?? '', headers })), reject)
      })
      request.end(body ?? undefined)
    })
  }
}

/** A Response whose body is the socket's Readable: iterating it reads the socket without web streams. */
function withNodeBody(response: Response, res: IncomingMessage): Response {
  Object.defineProperty(response, 'body', { value: res, enumerable: true })
  return response
}

/**
 * A Response for an answer read whole. The SDK reads every such answer (a non-streamed
 * completion, an error, a listing) with json() or text(): these parse the bytes in hand.
 * The web stream a Response wraps its body in (~50 µs and several objects per answer) is
 * built only if something asks for `body`.
 */
function bufferedResponse(bytes: Buffer, init: ResponseInit & { status: number }): Response {
  const response = new Response(null, init)
  const text = () => bytes.toString('utf8')
  Object.defineProperty(response, 'text', { value: () => Promise.resolve(text()) })
  Object.defineProperty(response, 'json', { value: () => Promise.resolve().then(() => JSON.parse(text()) as unknown) })
  if (!nullBodyStatus(init.status)) Object.defineProperty(response, 'body', { get: () => new Response(bytes).body })
  return response
}

function nullBodyStatus(status: number): boolean {
  return status === 101 || status === 204 || status === 205 || status === 304
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.once('end', () => resolve(Buffer.concat(chunks)))
    res.once('error', reject)
  })
}

function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {}
  if (!init) return record
  const entries: Iterable<[string, string]> =
    init instanceof Headers ? init : Array.isArray(init) ? (init as [string, string][]) : Object.entries(init as Record<string, string>)
  for (const [name, value] of entries) record[name.toLowerCase()] = value
  return record
}

/** The answer's headers as name/value pairs, which a Response takes into its own Headers (no second copy). */
function responseHeaders(res: IncomingMessage): [string, string][] {
  const raw = res.rawHeaders
  const pairs: [string, string][] = []
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!])
  return pairs
}
