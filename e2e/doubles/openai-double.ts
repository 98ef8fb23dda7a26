// A protocol-faithful stand-in for the OpenAI HTTP API: /v1/models and
// /v1/chat/completions (JSON, or SSE chunks ending in `data: [DONE]`), Bearer
// auth, and errors in OpenAI's {"error": {message, type, param, code}} envelope.
// Test-only: never imported by product code.
import { randomUUID } from 'node:crypto'
import type http from 'node:http'
import {
  echoReply,
  estimateTokens,
  FaultSlot,
  isRecord,
  logEntry,
  parseJsonBody,
  pumpFrames,
  readRaw,
  sendJson,
  sendWhole,
  serve,
  splitTokens,
  tokensForChars,
  type Delivery,
  type DoubleServer,
  type Fault,
  type LoggedRequest,
  type StatusFault,
} from './http-double'

export type { Fault, LoggedRequest } from './http-double'

export interface OpenAIMessage {
  role: string
  /** A string, or content parts such as {type: "text", text}. */
  content: unknown
}

/** What the responder sees of a chat completion request. */
export interface OpenAIReplyRequest {
  model: string
  messages: OpenAIMessage[]
  /** `response_format` as sent ({type: "json_object"} or {type: "json_schema", json_schema}). */
  responseFormat?: unknown
  /** The whole parsed body, for temperature, tools and the rest. */
  body: Record<string, unknown>
}

/** Produces the full reply text; the double splits it into content deltas. */
export type OpenAIResponder = (req: OpenAIReplyRequest) => string | Promise<string>

export interface OpenAIDoubleOptions {
  /** The only key accepted in `Authorization: Bearer <key>`. */
  apiKey?: string
  models?: string[]
  reply?: OpenAIResponder
  /** Delay between streamed deltas (a non-streamed reply waits for all of them). */
  tokenDelayMs?: number
  /** Prompts whose message text exceeds this many characters get context_length_exceeded. */
  maxPromptChars?: number
  /** Fixed port; default a random free one. */
  port?: number
}

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o']
const MODEL_CREATED = 1_700_000_000

interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null }
}

function envelope(message: string, type: string, code: string | null = null, param: string | null = null): ErrorEnvelope {
  return { error: { message, type, param, code } }
}

function sendError(res: http.ServerResponse, status: number, body: ErrorEnvelope, headers: http.OutgoingHttpHeaders = {}): void {
  sendJson(res, status, body, { 'x-request-id': `req_${randomUUID()}`, ...headers })
}

function sendStatusFault(res: http.ServerResponse, fault: StatusFault): void {
  if (fault.kind === 'rateLimit') {
    const message = fault.message ?? 'Rate limit reached for requests. Please try again later.'
    sendError(res, 429, envelope(message, 'requests', 'rate_limit_exceeded'), { 'retry-after': String(fault.retryAfterSeconds ?? 1) })
    return
  }
  const status = fault.status ?? 500
  const message =
    fault.message ??
    (status === 503
      ? 'The engine is currently overloaded, please try again later.'
      : 'The server had an error while processing your request. Sorry about that!')
  sendError(res, status, envelope(message, 'server_error'))
}

/** Returns the 401 envelope for a missing or wrong key, undefined when the key is right. */
function authError(header: string | undefined, apiKey: string): ErrorEnvelope | undefined {
  const key = header?.match(/^Bearer\s+(.+)$/i)?.[1]
  if (key === apiKey) return undefined
  const message =
    key === undefined
      ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      : `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`
  return envelope(message, 'invalid_request_error', 'invalid_api_key')
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('')
}

function lastUserText(messages: OpenAIMessage[]): string {
  return contentText(messages.filter((m) => m.role === 'user').at(-1)?.content)
}

function wantsJson(responseFormat: unknown): boolean {
  return isRecord(responseFormat) && (responseFormat.type === 'json_object' || responseFormat.type === 'json_schema')
}

/** Deterministic echo; valid JSON whenever response_format asks for JSON. */
export const defaultOpenAIReply: OpenAIResponder = (req) => echoReply(lastUserText(req.messages), wantsJson(req.responseFormat))

function modelObject(id: string) {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'openai' }
}

function sse(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`
}

/** max_completion_tokens (or the older max_tokens) caps the reply; hitting it ends with finish_reason "length". */
function limitTokens(tokens: string[], body: Record<string, unknown>): { tokens: string[]; finishReason: string } {
  const cap = body.max_completion_tokens ?? body.max_tokens
  if (typeof cap === 'number' && tokens.length > cap) return { tokens: tokens.slice(0, cap), finishReason: 'length' }
  return { tokens, finishReason: 'stop' }
}

export class OpenAIDouble {
  /** Every request received, in order, for assertions. */
  readonly requests: LoggedRequest[] = []
  reply: OpenAIResponder
  tokenDelayMs: number
  maxPromptChars: number
  models: string[]
  private readonly apiKey: string
  private readonly faults = new FaultSlot()
  private server!: DoubleServer

  private constructor(options: OpenAIDoubleOptions) {
    this.apiKey = options.apiKey ?? 'sk-test-double'
    this.models = options.models ?? DEFAULT_MODELS
    this.reply = options.reply ?? defaultOpenAIReply
    this.tokenDelayMs = options.tokenDelayMs ?? 0
    this.maxPromptChars = options.maxPromptChars ?? Number.POSITIVE_INFINITY
  }

  static async start(options: OpenAIDoubleOptions = {}): Promise<OpenAIDouble> {
    const double = new OpenAIDouble(options)
    const internalError = (message: string) => envelope(message, 'server_error')
    double.server = await serve((req, res, closed) => double.handle(req, res, closed), internalError, options.port)
    return double
  }

  /** Base URL including /v1, as the openai SDK's `baseURL` expects. */
  get url(): string {
    return `http://127.0.0.1:${this.server.port}/v1`
  }

  /** The armed fault, or null once cleared or used up. */
  get fault(): Fault | null {
    return this.faults.current
  }

  /** Arm a fault (replacing any other) for its `times` requests, or until clearFault(). */
  setFault(fault: Fault): void {
    this.faults.set(fault)
  }

  clearFault(): void {
    this.faults.clear()
  }

  requestsTo(path: string): LoggedRequest[] {
    return this.requests.filter((r) => r.path === path)
  }

  /** Go away mid-test: open connections drop, new ones get ECONNREFUSED. */
  stop(): Promise<void> {
    return this.server.stop()
  }

  /** Come back on the same port (state, models and log are kept). */
  restart(): Promise<void> {
    return this.server.restart()
  }

  /** Shut down at the end of a test (same as stop; safe to call twice). */
  close(): Promise<void> {
    return this.server.stop()
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, closed: AbortSignal): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://double').pathname
    const raw = await readRaw(req)
    const parsed = parseJsonBody(raw)
    this.requests.push(logEntry(req, path, raw, parsed))
    const route = `${req.method} ${path}`
    const generation = route === 'POST /v1/chat/completions'
    const streaming = generation && parsed.ok && isRecord(parsed.value) && parsed.value.stream === true

    // The key is checked before anything else, as OpenAI's gateway does.
    const unauthorized = authError(req.headers.authorization, this.apiKey)
    if (unauthorized) return sendError(res, 401, unauthorized)
    const statusFault = this.faults.takeStatus({ path, generation, streaming })
    if (statusFault) return sendStatusFault(res, statusFault)

    if (route === 'GET /v1/models') {
      return sendJson(res, 200, { object: 'list', data: this.models.map(modelObject) })
    }
    const modelId = req.method === 'GET' ? path.match(/^\/v1\/models\/(.+)$/)?.[1] : undefined
    if (modelId !== undefined) {
      const id = decodeURIComponent(modelId)
      return this.models.includes(id) ? sendJson(res, 200, modelObject(id)) : sendError(res, 404, modelNotFound(id))
    }
    if (!generation) return sendError(res, 404, envelope(`Invalid URL (${route})`, 'invalid_request_error'))

    if (!parsed.ok) {
      const message =
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
      return sendError(res, 400, envelope(message, 'invalid_request_error'))
    }
    const body = isRecord(parsed.value) ? parsed.value : {}
    const invalid = this.validate(body)
    if (invalid) return sendError(res, invalid.status, invalid.body)
    const delivery: Delivery = { res, closed, fault: this.faults.takeDelivery({ path, generation, streaming }), tokenDelayMs: this.tokenDelayMs }
    return this.complete(body, delivery)
  }

  /** The 400/404 OpenAI gives for a request it will not run, or undefined. */
  private validate(body: Record<string, unknown>): { status: number; body: ErrorEnvelope } | undefined {
    const bad = (message: string, param: string | null, code: string | null = null) => ({
      status: 400,
      body: envelope(message, 'invalid_request_error', code, param),
    })
    if (typeof body.model !== 'string') return bad('you must provide a model parameter', null)
    if (!Array.isArray(body.messages)) return bad("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter')
    if (!this.models.includes(body.model)) return { status: 404, body: modelNotFound(body.model) }
    if (body.stream_options != null && body.stream !== true) {
      return bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options')
    }
    const chars = (body.messages as OpenAIMessage[]).reduce((n, m) => n + contentText(m.content).length, 0)
    if (chars > this.maxPromptChars) {
      const message = `This model's maximum context length is ${tokensForChars(this.maxPromptChars)} tokens. However, your messages resulted in ${tokensForChars(chars)} tokens. Please reduce the length of the messages.`
      return bad(message, 'messages', 'context_length_exceeded')
    }
    return undefined
  }

  private async complete(body: Record<string, unknown>, d: Delivery): Promise<void> {
    const messages = body.messages as OpenAIMessage[]
    const request: OpenAIReplyRequest = { model: String(body.model), messages, responseFormat: body.response_format, body }
    const { tokens, finishReason } = limitTokens(splitTokens(await this.reply(request)), body)
    const promptTokens = estimateTokens(messages.map((m) => contentText(m.content)).join(''))
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length }
    const base = {
      id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      system_fingerprint: 'fp_double',
    }
    const requestId = { 'x-request-id': `req_${randomUUID()}` }

    if (body.stream !== true) {
      const message = { role: 'assistant', content: tokens.join(''), refusal: null, annotations: [] }
      const completion = { ...base, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage }
      return sendWhole(d, tokens.length, () => JSON.stringify(completion), requestId)
    }

    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true
    // With include_usage every chunk carries usage: null until the final usage-only chunk.
    const chunk = (choices: unknown[]) => () => sse({ ...base, object: 'chat.completion.chunk', choices, ...(includeUsage ? { usage: null } : {}) })
    const choice = (delta: unknown, finish: string | null = null) => [{ index: 0, delta, logprobs: null, finish_reason: finish }]
    const frames = [
      chunk(choice({ role: 'assistant', content: '', refusal: null })),
      ...tokens.map((content) => chunk(choice({ content }))),
      chunk(choice({}, finishReason)),
      ...(includeUsage ? [() => sse({ ...base, object: 'chat.completion.chunk', choices: [], usage })] : []),
      () => 'data: [DONE]\n\n',
    ]
    // OpenAI answers with headers at once; a slow model shows as a late first chunk.
    d.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...requestId })
    d.res.flushHeaders()
    await pumpFrames(d, frames, {
      malformed: `data: {"id":"${base.id}","object":"chat.completion.chunk","choices":[{\n\n`,
      error: (message) => sse(envelope(message, 'server_error')),
    })
  }
}

function modelNotFound(id: string): ErrorEnvelope {
  return envelope(`The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found')
}

export function startOpenAIDouble(options?: OpenAIDoubleOptions): Promise<OpenAIDouble> {
  return OpenAIDouble.start(options)
}
