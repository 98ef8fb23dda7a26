import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Handlers } from '../../shared/contract'
import { ContractError } from '../../shared/client'
import { dispatch, toErrorEnvelope } from '../core/lib/contract-dispatch'
import type { ChatService } from '../core/chat/chat-service'
import type { EventBus } from '../core/lib/event-bus'
import { createEventStreams, DEFAULT_EVENT_STREAM_LIMITS, STREAM_HEADER, type EventStreamLimits } from './event-stream'
import { bearerMatches, hostIsLoopback, originAllowed } from './http-guard'
import { sendJsonBody } from './json-response'
import { chatCompletions, listModels, openAIError } from './openai-gateway'
import { readStatic } from './static-files'
import { errorMessage } from '../../shared/errors'

export interface HttpHostOptions {
  handlers: Handlers
  bus: EventBus
  /** Per-launch secret every /api request must carry as `Authorization: Bearer`. */
  token: string
  /** Folder of the built dashboard (out/renderer); null serves the API only. */
  staticDir: string | null
  /** The generate flow behind the OpenAI-compatible gateway at /v1 (absent: no gateway). */
  chat?: Pick<ChatService, 'generate'>
  /** A fixed gateway key (ROUTELLM_GATEWAY_KEY) accepted at /v1 besides the launch token. */
  gatewayKey?: string
  log?: (line: string) => void
  /** Limits of GET /api/events (clients, unread bytes per client). */
  eventLimits?: Partial<EventStreamLimits>
}

/** Largest request body accepted: a 1 MB prompt plus JSON overhead. */
const MAX_BODY_BYTES = 2 * 1024 * 1024

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}

const STATUS_BY_CODE: Record<ContractError['code'], number> = {
  'invalid-input': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  unavailable: 503,
  internal: 500,
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonBody(res, status, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' }, body)
}

function sendError(res: ServerResponse, error: ContractError): void {
  sendJson(res, STATUS_BY_CODE[error.code], { error: toErrorEnvelope(error) })
}

/**
 * How much of a refused body is still read and thrown away, so that the client can finish
 * sending and then read the 400: a server that closes on a client still writing makes it
 * see a reset (EPIPE) instead of the answer. Past this the connection is cut.
 */
const MAX_DISCARD_BYTES = 32 * 1024 * 1024

/** The whole body, or null when it is over MAX_BODY_BYTES (the rest read and discarded, bounded). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) over = true
      if (!over) chunks.push(chunk)
      else if (size > MAX_DISCARD_BYTES) {
        req.destroy()
        resolve(null)
      }
    })
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Read a JSON body (empty → {}); too large or not JSON → ContractError('invalid-input').
 * A body too large is answered with `Connection: close` once the client has sent it (or at
 * once when its declared length is past what is worth discarding): the client opens a fresh
 * connection for its next request.
 */
async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const tooLarge = () => {
    res.setHeader('Connection', 'close')
    return new ContractError(`request body over ${MAX_BODY_BYTES} bytes`, 'invalid-input')
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_DISCARD_BYTES) throw tooLarge()
  const body = await readBody(req)
  if (body === null) throw tooLarge()
  const text = body.toString('utf8')
  if (!text.trim()) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new ContractError('request body is not valid JSON', 'invalid-input')
  }
}

/** The OpenAI-compatible gateway: /v1/models and /v1/chat/completions, in OpenAI's own error format. */
async function serveGateway(req: IncomingMessage, res: ServerResponse, path: string, chat: Pick<ChatService, 'generate'>): Promise<void> {
  if (path === '/v1/models' && req.method === 'GET') return listModels(res)
  if (path === '/v1/chat/completions' && req.method === 'POST') {
    let body: unknown
    try {
      body = await readJsonBody(req, res)
    } catch (error) {
      return openAIError(res, 400, errorMessage(error), 'invalid_request')
    }
    return chatCompletions(req, res, body, chat)
  }
  return openAIError(res, 404, `Unknown request URL: ${req.method} ${path}.`, 'unknown_url')
}

/**
 * The headless host: the contract at POST /api/rpc/<channel>, its events as server-sent
 * events at GET /api/events, the OpenAI-compatible gateway at /v1, the dashboard's static
 * files, and an unauthenticated GET /healthz. Only loopback Host headers and same-origin browsers are served.
 */
export function createHttpHost(options: HttpHostOptions): { server: Server; listen(port: number, host: string): Promise<number> } {
  const log = options.log ?? (() => {})
  let boundPort = 0
  const streams = createEventStreams(options.bus, { ...DEFAULT_EVENT_STREAM_LIMITS, ...options.eventLimits }, log)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    // A path that is not valid percent-encoding names nothing we serve: a plain 400, nothing logged.
    try {
      decodeURIComponent(url.pathname)
    } catch {
      return sendError(res, new ContractError('the request path is not valid percent-encoding', 'invalid-input'))
    }
    if (!hostIsLoopback(req)) return sendError(res, new ContractError('forbidden host', 'forbidden'))
    if (!originAllowed(req, boundPort)) return sendError(res, new ContractError('forbidden origin', 'forbidden'))

    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' })

    if (url.pathname.startsWith('/v1/') && options.chat) {
      const keys = [options.token, ...(options.gatewayKey ? [options.gatewayKey] : [])]
      if (!keys.some((key) => bearerMatches(req, key))) {
        return openAIError(res, 401, 'Incorrect API key provided: use the token printed by `routellm serve` or ROUTELLM_GATEWAY_KEY.', 'invalid_api_key')
      }
      return serveGateway(req, res, url.pathname, options.chat)
    }

    if (url.pathname.startsWith('/api/')) {
      if (!bearerMatches(req, options.token)) {
        return sendError(res, new ContractError('missing or wrong bearer token', 'unauthorized'))
      }
      if (url.pathname === '/api/events' && req.method === 'GET') {
        const refused = streams.open(req, res, url, SECURITY_HEADERS)
        if (refused) {
          for (const [name, value] of Object.entries(refused.headers ?? {})) res.setHeader(name, value)
          return sendError(res, new ContractError(refused.message, refused.status === 503 ? 'unavailable' : 'invalid-input'))
        }
        return
      }
      const rpc = /^\/api\/rpc\/([\w.-]+)$/.exec(url.pathname)
      if (rpc?.[1] && req.method === 'POST') {
        const output = await dispatch(options.handlers, rpc[1], await readJsonBody(req, res))
        const stream = req.headers[STREAM_HEADER]
        if (rpc[1] === 'chat.start' && typeof stream === 'string') streams.claim(stream, (output as { requestId: string }).requestId)
        return sendJson(res, 200, output)
      }
      return sendError(res, new ContractError(`no route ${req.method} ${url.pathname}`, 'not-found'))
    }

    if (req.method !== 'GET' || !options.staticDir) return sendError(res, new ContractError('not found', 'not-found'))
    const file = await readStatic(options.staticDir, url.pathname, req.headers)
    if (!file) return sendError(res, new ContractError('not found', 'not-found'))
    res.writeHead(file.status, { ...SECURITY_HEADERS, ...file.headers })
    res.end(file.body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!(error instanceof ContractError)) log(`internal error on ${req.method} ${req.url?.split('?')[0]}: ${(error as Error)?.stack ?? error}`)
      if (res.headersSent) return res.end()
      sendError(res, error instanceof ContractError ? error : new ContractError('internal error', 'internal'))
    })
  })

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          boundPort = (server.address() as AddressInfo).port
          resolve(boundPort)
        })
      }),
  }
}
