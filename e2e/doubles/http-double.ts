// Plumbing shared by the Ollama and OpenAI test doubles: a restartable
// 127.0.0.1 server, JSON body reading, the request log, fault knobs and a
// frame pump that streams replies while honouring those knobs.
// Test-only code: product code must never import anything under e2e/.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { errorMessage } from '../../shared/errors'

// ---------------------------------------------------------------- faults

interface FaultScope {
  /** How many matching requests the fault hits; omitted = until clearFault(). */
  times?: number
  /** Restrict the fault to these paths; omitted = see faultApplies(). */
  paths?: string[]
}

/** Misbehaviour to inject. "Chunks" are NDJSON lines (Ollama) or SSE events (OpenAI). */
export type Fault = FaultScope &
  (
    | { kind: 'serverError'; status?: number; message?: string }
    | { kind: 'rateLimit'; retryAfterSeconds?: number; message?: string }
    | { kind: 'slowFirstToken'; delayMs: number }
    | { kind: 'stall'; afterChunks?: number }
    | { kind: 'disconnect'; afterChunks?: number }
    | { kind: 'malformedChunk'; afterChunks?: number }
    | { kind: 'streamError'; afterChunks?: number; message?: string }
  )

export type StatusFault = Extract<Fault, { kind: 'serverError' | 'rateLimit' }>
export type DeliveryFault = Exclude<Fault, StatusFault>

/** Where a request sits, so a fault can decide whether it applies. */
export interface FaultTarget {
  path: string
  /** true for endpoints that generate text (chat, generate, completions). */
  generation: boolean
  streaming: boolean
}

function isStatusFault(fault: Fault): fault is StatusFault {
  return fault.kind === 'serverError' || fault.kind === 'rateLimit'
}

// Status faults model an unhealthy server, so by default every path sees them
// (health probes included). Delivery faults only make sense where text is
// produced; a mid-stream error needs a stream.
function faultApplies(fault: Fault, target: FaultTarget): boolean {
  if (fault.paths) return fault.paths.includes(target.path)
  if (isStatusFault(fault)) return true
  if (fault.kind === 'streamError') return target.generation && target.streaming
  return target.generation
}

/** Holds the armed fault and counts down its remaining hits. */
export class FaultSlot {
  private armed: { fault: Fault; remaining: number } | null = null

  set(fault: Fault): void {
    this.armed = { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }
  }

  clear(): void {
    this.armed = null
  }

  get current(): Fault | null {
    return this.armed?.fault ?? null
  }

  takeStatus(target: FaultTarget): StatusFault | undefined {
    const fault = this.take(target, isStatusFault)
    return fault && isStatusFault(fault) ? fault : undefined
  }

  takeDelivery(target: FaultTarget): DeliveryFault | undefined {
    const fault = this.take(target, (f) => !isStatusFault(f))
    return fault && !isStatusFault(fault) ? fault : undefined
  }

  private take(target: FaultTarget, phase: (f: Fault) => boolean): Fault | undefined {
    const armed = this.armed
    if (!armed || !phase(armed.fault) || !faultApplies(armed.fault, target)) return undefined
    armed.remaining -= 1
    if (armed.remaining <= 0) this.armed = null
    return armed.fault
  }
}

// ------------------------------------------------------------ request log

export interface LoggedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  /** Parsed JSON body, the raw text when it was not JSON, undefined when empty. */
  body: unknown
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false; error: string }

export function parseJsonBody(raw: string): ParsedBody {
  if (raw === '') return { ok: false, error: 'missing request body' }
  try {
    return { ok: true, value: JSON.parse(raw) }
  } catch (err) {
    return { ok: false, error: errorMessage(err) }
  }
}

export async function readRaw(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return Buffer.concat(parts).toString('utf8')
}

export function logEntry(req: http.IncomingMessage, path: string, raw: string, parsed: ParsedBody): LoggedRequest {
  return {
    method: req.method ?? 'GET',
    path,
    headers: req.headers,
    body: raw === '' ? undefined : parsed.ok ? parsed.value : raw,
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// ----------------------------------------------------------------- server

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, closed: AbortSignal) => Promise<void>

export interface DoubleServer {
  readonly port: number
  /** Stop listening and drop every open connection: clients now get ECONNREFUSED. */
  stop(): Promise<void>
  /** Listen again on the same port after stop(). */
  restart(): Promise<void>
}

/**
 * Serves `handler` on 127.0.0.1 (random port unless given). Each request gets
 * a signal that fires when its connection closes, so stalled or slow replies
 * stop as soon as the client aborts or the double stops.
 */
export async function serve(handler: Handler, internalError: (message: string) => unknown, port = 0): Promise<DoubleServer> {
  const sockets = new Set<Socket>()
  /** Sockets with a response under way; the others are idle keep-alive connections. */
  const busy = new Set<Socket>()
  const server = http.createServer((req, res) => {
    const socket = req.socket
    busy.add(socket)
    res.once('close', () => busy.delete(socket))
    const closed = new AbortController()
    res.once('close', () => closed.abort())
    handler(req, res, closed.signal).catch((err: unknown) => {
      if (closed.signal.aborted) return
      if (res.headersSent) res.destroy()
      else sendJson(res, 500, internalError(`test double failed: ${errorMessage(err)}`))
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  let running = false
  const listen = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject)
        running = true
        resolve()
      })
    })
  await listen(port)
  const boundPort = (server.address() as AddressInfo).port
  return {
    port: boundPort,
    stop: async () => {
      if (!running) return
      running = false
      // A reply under way is cut off. An idle keep-alive connection is ended, and closes
      // only once the client has seen that and closed its side: its next request then opens
      // a new connection and is refused (ECONNREFUSED) instead of racing a half-closed
      // socket ("other side closed"), however loaded the machine. (server.close() would
      // destroy idle connections at once, so it comes after.)
      const open = [...sockets]
      const gone = Promise.all(open.map((socket) => new Promise((resolve) => socket.once('close', resolve))))
      for (const socket of open) {
        if (busy.has(socket)) socket.destroy()
        else socket.end()
      }
      await gone
      const done = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections() // any connection opened meanwhile
      await done
    },
    restart: async () => {
      if (!running) await listen(boundPort)
    },
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}

// ----------------------------------------------------------------- replies

/** Splits a reply into token-sized pieces whose concatenation is the reply. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S{1,6}|\s+$/g) ?? []
}

/** The default responders' deterministic echo; valid JSON when structured output was asked for. */
export function echoReply(said: string, structured: boolean): string {
  return structured ? JSON.stringify({ answer: said }) : `You said: ${said}`
}

/** Rough token count (4 chars per token), good enough for usage numbers. */
export function tokensForChars(chars: number): number {
  return Math.ceil(chars / 4)
}

export function estimateTokens(text: string): number {
  return tokensForChars(text.length)
}

/** Nanoseconds elapsed since `start`, as Ollama reports durations. */
export function nanosSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start)
}

function untilClosed(closed: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (closed.aborted) resolve()
    else closed.addEventListener('abort', () => resolve(), { once: true })
  })
}

// Waiting for each write to flush matters for 'disconnect': Node corks the
// socket within a tick, and destroying it would drop the chunks not yet sent.
function write(res: http.ServerResponse, text: string): Promise<void> {
  return new Promise((resolve, reject) => res.write(text, (err) => (err ? reject(err) : resolve())))
}

export interface Delivery {
  res: http.ServerResponse
  closed: AbortSignal
  fault: DeliveryFault | undefined
  tokenDelayMs: number
}

// A fault scheduled "after k chunks" always fires before the final chunk, so
// the stream never completes normally whatever k the test picked.
function faultIndex(fault: DeliveryFault, frameCount: number): number {
  const after = fault.kind === 'slowFirstToken' ? 0 : (fault.afterChunks ?? 0)
  return Math.min(after, Math.max(frameCount - 1, 0))
}

/**
 * Streams frames (built lazily, so timestamps and durations are real) with
 * the per-token delay, applying the delivery fault at its chunk index.
 */
export async function pumpFrames(
  d: Delivery,
  frames: ReadonlyArray<() => string>,
  wire: { malformed: string; error: (message: string) => string },
): Promise<void> {
  const { res, closed, fault } = d
  const at = fault ? faultIndex(fault, frames.length) : -1
  for (const [i, frame] of frames.entries()) {
    if (i === at && fault) {
      switch (fault.kind) {
        case 'slowFirstToken':
          await sleep(fault.delayMs, undefined, { signal: closed })
          break
        case 'stall':
          return untilClosed(closed)
        case 'disconnect':
          res.socket?.destroy()
          return
        case 'malformedChunk':
          await write(res, wire.malformed)
          break
        case 'streamError':
          res.end(wire.error(fault.message ?? 'the model stopped unexpectedly'))
          return
      }
    }
    if (i > 0 && d.tokenDelayMs > 0) await sleep(d.tokenDelayMs, undefined, { signal: closed })
    await write(res, frame())
  }
  res.end()
}

/**
 * Sends a non-streamed reply after the time the tokens would have taken,
 * applying the delivery fault (a stream error cannot reach this path).
 */
export async function sendWhole(d: Delivery, tokenCount: number, body: () => string, headers: http.OutgoingHttpHeaders): Promise<void> {
  const { res, closed, fault } = d
  if (fault?.kind === 'stall') return untilClosed(closed)
  if (fault?.kind === 'disconnect') {
    res.socket?.destroy()
    return
  }
  const wait = (fault?.kind === 'slowFirstToken' ? fault.delayMs : 0) + d.tokenDelayMs * tokenCount
  if (wait > 0) await sleep(wait, undefined, { signal: closed })
  const text = body()
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(fault?.kind === 'malformedChunk' ? text.slice(0, Math.floor(text.length / 2)) : text)
}
