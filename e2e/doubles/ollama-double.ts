// A protocol-faithful stand-in for the Ollama HTTP API (docs/api.md of
// ollama/ollama): /api/version, /api/tags, /api/ps, /api/chat, /api/generate
// (NDJSON streaming by default) and /api/embed, with errors as {"error": "..."}.
// Test-only: never imported by product code.
import { createHash } from 'node:crypto'
import type http from 'node:http'
import {
  echoReply,
  FaultSlot,
  isRecord,
  logEntry,
  nanosSince,
  parseJsonBody,
  pumpFrames,
  readRaw,
  sendJson,
  sendWhole,
  serve,
  splitTokens,
  estimateTokens,
  type Delivery,
  type DoubleServer,
  type Fault,
  type FaultTarget,
  type LoggedRequest,
  type StatusFault,
} from './http-double'

export type { Fault, LoggedRequest } from './http-double'

export interface OllamaModelSpec {
  name: string
  size?: number
  family?: string
  parameterSize?: string
  quantization?: string
  contextLength?: number
  /** /api/tags's modified_at and digest: change them to imitate a re-pulled model. */
  modifiedAt?: string
  digest?: string
}

/** One scripted answer: the first rule whose `match` is in (string) or matches (RegExp) the last user message answers. */
export interface OllamaScriptRule {
  match: string | RegExp
  reply: string
}

export interface OllamaMessage {
  role: string
  content: string
}

/** What the responder sees of a chat or generate request. */
export interface OllamaReplyRequest {
  path: '/api/chat' | '/api/generate'
  model: string
  messages?: OllamaMessage[]
  prompt?: string
  system?: string
  /** "json" or a JSON schema object, as sent. */
  format?: unknown
  options?: Record<string, unknown>
}

/**
 * Produces the full reply text; the double splits it into tokens. It is
 * trusted as is: return truncated JSON to imitate a cut-off structured answer.
 */
export type OllamaResponder = (req: OllamaReplyRequest) => string | Promise<string>

export interface OllamaDoubleOptions {
  models?: Array<string | OllamaModelSpec>
  version?: string
  reply?: OllamaResponder
  /** Answers per prompt, tried before `reply` (which answers everything no rule matches). */
  script?: OllamaScriptRule[]
  /** Delay between streamed tokens (a non-streamed reply waits for all of them). */
  tokenDelayMs?: number
  embeddingDimensions?: number
  /** Fixed port; default a random free one. */
  port?: number
}

const DEFAULT_MODELS = ['llama3.2:1b', 'qwen2.5:0.5b']
const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000
// Ollama reports "keep loaded forever" (negative keep_alive) as a far-future expiry.
const FOREVER = Date.UTC(2318, 0, 1)
// Nominal load cost of a cold model; a warm model loads in no time.
const COLD_LOAD_NS = 50_000_000

/** Ollama resolves a bare name to its :latest tag. */
function canonicalName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`
}

function describeModel(input: string | OllamaModelSpec) {
  const spec = typeof input === 'string' ? { name: input } : input
  const name = canonicalName(spec.name)
  const family = spec.family ?? name.split(/[:.\d]/)[0] ?? 'llama'
  return {
    name,
    model: name,
    modified_at: spec.modifiedAt ?? '2025-01-01T00:00:00Z',
    size: spec.size ?? 1_300_000_000,
    digest: spec.digest ?? createHash('sha256').update(name).digest('hex'),
    details: {
      parent_model: '',
      format: 'gguf',
      family,
      families: [family],
      parameter_size: spec.parameterSize ?? '1B',
      quantization_level: spec.quantization ?? 'Q4_K_M',
    },
    context_length: spec.contextLength ?? 4096,
  }
}

type ModelEntry = ReturnType<typeof describeModel>

/** keep_alive is seconds (number or bare string) or a Go duration ("5m", "1h30m"); negative = forever. */
function keepAliveMs(value: unknown): number {
  if (typeof value === 'number') return value < 0 ? Number.POSITIVE_INFINITY : value * 1000
  if (typeof value !== 'string') return DEFAULT_KEEP_ALIVE_MS
  if (value.startsWith('-')) return Number.POSITIVE_INFINITY
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * (unitMs[unit ?? 's'] ?? 1000)
  }
  return total
}

/** Feature-hashed bag of words, L2-normalised like Ollama's: similar texts get similar vectors. */
function embedText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0)
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const hash = createHash('sha256').update(word).digest()
    const slot = hash.readUInt32LE(0) % dimensions
    vector[slot] = (vector[slot] ?? 0) + ((hash[4] ?? 0) & 1 ? 1 : -1)
  }
  const norm = Math.hypot(...vector)
  return norm === 0 ? vector : vector.map((x) => x / norm)
}

function lastUserText(req: OllamaReplyRequest): string {
  const users = (req.messages ?? []).filter((m) => m.role === 'user')
  return users.at(-1)?.content ?? req.prompt ?? ''
}

export const defaultOllamaReply: OllamaResponder = (req) => echoReply(lastUserText(req), req.format !== undefined)

function ndjson(value: unknown): string {
  return `${JSON.stringify(value)}\n`
}

function defaultServerErrorMessage(status: number): string {
  return status === 503 ? 'server busy, please try again.  maximum pending requests exceeded' : 'llama runner process has terminated: exit status 2'
}

function sendStatusFault(res: http.ServerResponse, fault: StatusFault): void {
  if (fault.kind === 'rateLimit') {
    const retryAfter = String(fault.retryAfterSeconds ?? 1)
    sendJson(res, 429, { error: fault.message ?? 'rate limit exceeded' }, { 'retry-after': retryAfter })
    return
  }
  const status = fault.status ?? 500
  sendJson(res, status, { error: fault.message ?? defaultServerErrorMessage(status) })
}

export class OllamaDouble {
  /** Every request received, in order, for assertions. */
  readonly requests: LoggedRequest[] = []
  reply: OllamaResponder
  /** Scripted answers per prompt (see OllamaScriptRule), checked before `reply`; replace at will. */
  script: OllamaScriptRule[]
  tokenDelayMs: number
  version: string
  private models: ModelEntry[] = []
  private readonly loaded = new Map<string, number>()
  private readonly faults = new FaultSlot()
  private readonly embeddingDimensions: number
  private server!: DoubleServer

  private constructor(options: OllamaDoubleOptions) {
    this.reply = options.reply ?? defaultOllamaReply
    this.script = options.script ?? []
    this.tokenDelayMs = options.tokenDelayMs ?? 0
    this.version = options.version ?? '0.12.6'
    this.embeddingDimensions = options.embeddingDimensions ?? 64
    this.setModels(options.models ?? DEFAULT_MODELS)
  }

  static async start(options: OllamaDoubleOptions = {}): Promise<OllamaDouble> {
    const double = new OllamaDouble(options)
    double.server = await serve(
      (req, res, closed) => double.handle(req, res, closed),
      (error) => ({ error }),
      options.port,
    )
    return double
  }

  /** Base URL for `new Ollama({ host })`. */
  get url(): string {
    return `http://127.0.0.1:${this.server.port}`
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

  /** Replace the pulled models (also forgets which were loaded). */
  setModels(models: Array<string | OllamaModelSpec>): void {
    this.models = models.map(describeModel)
    this.loaded.clear()
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
    const generation = route === 'POST /api/chat' || route === 'POST /api/generate'
    const streaming = generation && parsed.ok && isRecord(parsed.value) && parsed.value.stream !== false
    const target: FaultTarget = { path, generation, streaming }

    const statusFault = this.faults.takeStatus(target)
    if (statusFault) return sendStatusFault(res, statusFault)

    switch (route) {
      case 'GET /':
      case 'HEAD /':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        res.end('Ollama is running')
        return
      case 'GET /api/version':
        return sendJson(res, 200, { version: this.version })
      case 'GET /api/tags':
        return sendJson(res, 200, { models: this.models.map(({ context_length: _, ...tag }) => tag) })
      case 'GET /api/ps':
        return sendJson(res, 200, { models: this.running() })
    }
    if (!['POST /api/chat', 'POST /api/generate', 'POST /api/embed'].includes(route)) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('404 page not found')
      return
    }
    if (!parsed.ok) return sendJson(res, 400, { error: parsed.error })
    const body = isRecord(parsed.value) ? parsed.value : {}
    const model = this.resolveModel(res, body)
    if (!model) return
    if (path === '/api/embed') return this.embed(res, body, model)
    const delivery: Delivery = { res, closed, fault: this.faults.takeDelivery(target), tokenDelayMs: this.tokenDelayMs }
    return this.generate(path as OllamaReplyRequest['path'], body, model, delivery)
  }

  /** Sends Ollama's 400/404 and returns undefined when the model is missing or not pulled. */
  private resolveModel(res: http.ServerResponse, body: Record<string, unknown>): ModelEntry | undefined {
    if (typeof body.model !== 'string' || body.model === '') {
      sendJson(res, 400, { error: 'model is required' })
      return undefined
    }
    const model = this.models.find((m) => m.name === canonicalName(body.model as string))
    if (!model) sendJson(res, 404, { error: `model "${body.model}" not found, try pulling it first` })
    return model
  }

  /** Marks a model loaded for keep_alive; 0 unloads it. Returns whether it was cold. */
  private touch(model: ModelEntry, keepAlive: unknown): boolean {
    const cold = !this.running().some((m) => m.name === model.name)
    const ms = keepAliveMs(keepAlive)
    if (ms <= 0) this.loaded.delete(model.name)
    else this.loaded.set(model.name, Number.isFinite(ms) ? Date.now() + ms : FOREVER)
    return cold
  }

  private running() {
    const now = Date.now()
    return this.models
      .filter((m) => (this.loaded.get(m.name) ?? 0) > now)
      .map((m) => ({ ...m, expires_at: new Date(this.loaded.get(m.name) ?? now).toISOString(), size_vram: m.size }))
  }

  private embed(res: http.ServerResponse, body: Record<string, unknown>, model: ModelEntry): void {
    const started = process.hrtime.bigint()
    const cold = this.touch(model, body.keep_alive)
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')]
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : this.embeddingDimensions
    sendJson(res, 200, {
      model: body.model,
      embeddings: inputs.map((text) => embedText(text, dimensions)),
      total_duration: nanosSince(started),
      load_duration: cold ? COLD_LOAD_NS : 0,
      prompt_eval_count: inputs.reduce((n, text) => n + estimateTokens(text), 0),
    })
  }

  private answer(request: OllamaReplyRequest): string | Promise<string> {
    const text = lastUserText(request)
    const rule = this.script.find((r) => (typeof r.match === 'string' ? text.includes(r.match) : r.match.test(text)))
    return rule ? rule.reply : this.reply(request)
  }

  private async generate(path: OllamaReplyRequest['path'], body: Record<string, unknown>, model: ModelEntry, d: Delivery): Promise<void> {
    const started = process.hrtime.bigint()
    const request = toReplyRequest(path, body)
    const cold = this.touch(model, body.keep_alive)
    // An empty prompt (or no messages) only loads or unloads the model; Ollama
    // answers with one plain JSON object even when streaming was asked for.
    if ((path === '/api/generate' && !request.prompt) || (path === '/api/chat' && !request.messages?.length)) {
      const done_reason = keepAliveMs(body.keep_alive) <= 0 ? 'unload' : 'load'
      const empty = path === '/api/chat' ? { message: { role: 'assistant', content: '' } } : { response: '' }
      return sendJson(d.res, 200, { model: request.model, created_at: now(), ...empty, done: true, done_reason })
    }

    const { tokens, doneReason } = limitTokens(splitTokens(await this.answer(request)), request.options?.num_predict)
    const promptTokens = estimateTokens([request.system, request.prompt, ...(request.messages ?? []).map((m) => m.content)].join(''))
    let firstTokenAt: bigint | undefined
    const piece = (content: string) => (path === '/api/chat' ? { message: { role: 'assistant', content } } : { response: content })
    const done = () => {
      const total = nanosSince(started)
      const promptNs = firstTokenAt === undefined ? total : Number(firstTokenAt - started)
      return {
        model: request.model,
        created_at: now(),
        ...piece(''),
        done: true,
        done_reason: doneReason,
        ...(path === '/api/generate' ? { context: tokens.map((_, i) => i + 1) } : {}),
        total_duration: total,
        load_duration: cold ? COLD_LOAD_NS : 0,
        prompt_eval_count: promptTokens,
        prompt_eval_duration: promptNs,
        eval_count: tokens.length,
        eval_duration: total - promptNs,
      }
    }

    if (body.stream === false) {
      // Ollama answers once generation is done; as when streamed, the tokens after the first
      // took tokenDelayMs each, which its durations count as evaluation, not prompt time.
      const whole = () => {
        const generating = BigInt(Math.max(0, tokens.length - 1) * d.tokenDelayMs) * 1_000_000n
        const at = process.hrtime.bigint() - generating
        firstTokenAt = at > started ? at : started
        return JSON.stringify({ ...done(), ...piece(tokens.join('')) })
      }
      return sendWhole(d, tokens.length, whole, {})
    }
    const tokenFrame = (content: string) => () => {
      firstTokenAt ??= process.hrtime.bigint()
      return ndjson({ model: request.model, created_at: now(), ...piece(content), done: false })
    }
    d.res.setHeader('content-type', 'application/x-ndjson')
    // Headers go out with the first line, as with Ollama: a slow model load
    // delays the response itself, not just the first token.
    await pumpFrames(d, [...tokens.map(tokenFrame), () => ndjson(done())], {
      malformed: `{"model":${JSON.stringify(request.model)},"created_at":\n`,
      error: (message) => ndjson({ error: message }),
    })
  }
}

function now(): string {
  return new Date().toISOString()
}

function toReplyRequest(path: OllamaReplyRequest['path'], body: Record<string, unknown>): OllamaReplyRequest {
  return {
    path,
    model: String(body.model),
    messages: Array.isArray(body.messages) ? (body.messages as OllamaMessage[]) : undefined,
    prompt: typeof body.prompt === 'string' ? body.prompt : undefined,
    system: typeof body.system === 'string' ? body.system : undefined,
    format: body.format === '' || body.format === null ? undefined : body.format,
    options: isRecord(body.options) ? body.options : undefined,
  }
}

/** options.num_predict caps the generated tokens; hitting it ends with done_reason "length". */
function limitTokens(tokens: string[], numPredict: unknown): { tokens: string[]; doneReason: string } {
  if (typeof numPredict === 'number' && numPredict >= 0 && tokens.length > numPredict) {
    return { tokens: tokens.slice(0, numPredict), doneReason: 'length' }
  }
  return { tokens, doneReason: 'stop' }
}

export function startOllamaDouble(options?: OllamaDoubleOptions): Promise<OllamaDouble> {
  return OllamaDouble.start(options)
}
