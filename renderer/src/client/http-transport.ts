import { ContractError } from '../../../shared/client'
import type { Channel, EventName, EventPayload, Input, Output } from '../../../shared/contract'
import { codeForStatus, isContractErrorCode, toContractError } from './errors'
import { createSseParser, readSseStream } from './sse'
import { IDLE_CONNECTION, type ConnectionState, type DashboardClient } from './types'
import { checkInput, isEventName, parseEvent, parseOutput } from './validate'

type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface HttpClientOptions {
  /** Origin of the headless host; '' means this page's origin. */
  baseUrl?: string
  /** The per-launch bearer token; null sends none (the host answers 401). */
  token: string | null
  fetch?: FetchLike
  /** Reconnect backoff for the event stream: initial delay, doubled per failure, capped. */
  backoff?: { initialMs: number; maxMs: number }
  /** How long chat.start waits for the event stream to open, so no early event is missed. */
  eventsReadyTimeoutMs?: number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 10_000 }

/**
 * The header the host names each event stream with. Sent back with chat.start, it scopes that
 * request's chat.token events to this tab's stream: another tab never receives this answer.
 */
const STREAM_HEADER = 'X-RouteLLM-Stream'

/** Channels whose progress arrives as events: wait for the stream before calling them. */
const EVENTFUL_CHANNELS: ReadonlySet<Channel> = new Set<Channel>(['chat.start'])

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Read the host's error body {"error": {message, code, issues}}, falling back to the status. */
export async function errorFromResponse(res: Response): Promise<ContractError> {
  let body: unknown
  try {
    const text = await res.text()
    body = text ? JSON.parse(text) : null
  } catch {
    body = null // not JSON: use the status
  }
  const error = (body as { error?: { message?: unknown; code?: unknown; issues?: unknown } } | null)?.error
  const message =
    typeof error?.message === 'string' && error.message ? error.message : `The host answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`
  const code = isContractErrorCode(error?.code) ? error.code : codeForStatus(res.status)
  return new ContractError(message, code, error?.issues)
}

/**
 * The contract over the headless host: POST /api/rpc/<channel> for calls, one shared
 * GET /api/events stream (fetch + ReadableStream, so the token stays in a header) for events,
 * opened when the first listener subscribes and reconnected with exponential backoff.
 */
export function createHttpClient(options: HttpClientOptions): DashboardClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const sleep = options.sleep ?? abortableSleep
  const readyTimeoutMs = options.eventsReadyTimeoutMs ?? 2_000

  const listeners = new Map<EventName, Set<(payload: never) => void>>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  let state: ConnectionState = IDLE_CONNECTION
  let stream: AbortController | null = null
  let closeTimer: ReturnType<typeof setTimeout> | null = null
  let lastEventId: string | null = null
  /** The open stream's id (null while none is open): a new one after every reconnect. */
  let streamId: string | null = null

  function authHeaders(): Record<string, string> {
    return options.token ? { Authorization: `Bearer ${options.token}` } : {}
  }

  function setState(next: ConnectionState): void {
    state = next
    for (const listener of [...connectionListeners]) {
      try {
        listener(state)
      } catch (err) {
        console.error('routellm: a connection listener threw', err)
      }
    }
  }

  function listenerCount(): number {
    let n = 0
    for (const set of listeners.values()) n += set.size
    return n
  }

  function deliver(name: string, data: string): void {
    if (!isEventName(name)) return
    const set = listeners.get(name)
    if (!set || set.size === 0) return
    let raw: unknown
    try {
      raw = JSON.parse(data)
    } catch {
      console.warn(`routellm: dropped '${name}' event with invalid JSON`)
      return
    }
    const payload = parseEvent(name, raw)
    if (payload === null) return
    for (const listener of [...set]) {
      try {
        ;(listener as (p: typeof payload) => void)(payload)
      } catch (err) {
        console.error(`routellm: a '${name}' listener threw`, err)
      }
    }
  }

  async function runStream(signal: AbortSignal): Promise<void> {
    let attempt = 0
    while (!signal.aborted) {
      setState({ status: 'connecting', attempt, error: null, retryInMs: null })
      let failure: string
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream', ...authHeaders() }
        if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId
        const res = await doFetch(`${baseUrl}/api/events`, { method: 'GET', headers, signal, cache: 'no-store' })
        if (res.status === 401 || res.status === 403) {
          const err = await errorFromResponse(res)
          setState({ status: 'unauthorized', attempt: attempt + 1, error: err.message, retryInMs: null })
          return // a rejected token does not heal by retrying
        }
        if (!res.ok || !res.body) {
          const err = await errorFromResponse(res)
          throw new Error(err.message)
        }
        attempt = 0
        streamId = res.headers.get(STREAM_HEADER)
        setState({ status: 'open', attempt: 0, error: null, retryInMs: null })
        const parser = createSseParser((m) => deliver(m.event, m.data))
        await readSseStream(res.body, parser, signal)
        if (parser.lastEventId !== null) lastEventId = parser.lastEventId
        failure = 'the host closed the event stream'
      } catch (err) {
        failure = toContractError(err).message
      }
      streamId = null
      if (signal.aborted) return
      attempt += 1
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1))
      setState({ status: 'retrying', attempt, error: failure, retryInMs: delay })
      await sleep(delay, signal)
    }
  }

  function ensureStream(): void {
    if (closeTimer !== null) {
      clearTimeout(closeTimer)
      closeTimer = null
    }
    if (stream) return
    const controller = new AbortController()
    stream = controller
    // runStream never rejects: a failure becomes the connection state (retrying or unauthorized).
    void runStream(controller.signal).finally(() => {
      if (stream === controller) stream = null
    })
  }

  function stopStream(): void {
    if (closeTimer !== null) clearTimeout(closeTimer)
    closeTimer = null
    stream?.abort()
    stream = null
    setState(IDLE_CONNECTION)
  }

  /** Resolve when the event stream is open (or nothing listens, or the timeout passes). */
  function eventsReady(): Promise<void> {
    if (listenerCount() === 0 || state.status === 'open') return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(finish, readyTimeoutMs)
      function onState(s: ConnectionState): void {
        if (s.status === 'open' || s.status === 'unauthorized') finish()
      }
      function finish(): void {
        clearTimeout(timer)
        connectionListeners.delete(onState)
        resolve()
      }
      connectionListeners.add(onState)
    })
  }

  return {
    transport: 'http',
    async call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>> {
      const checked = checkInput(channel, input)
      const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() }
      if (EVENTFUL_CHANNELS.has(channel)) {
        await eventsReady()
        if (streamId !== null) headers[STREAM_HEADER] = streamId
      }
      let res: Response
      try {
        res = await doFetch(`${baseUrl}/api/rpc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(checked),
          cache: 'no-store',
        })
      } catch (err) {
        throw new ContractError(`Cannot reach the RouteLLM host (${toContractError(err).message}).`, 'unavailable')
      }
      if (!res.ok) throw await errorFromResponse(res)
      let raw: unknown
      try {
        raw = await res.json()
      } catch {
        throw new ContractError(`The host sent a reply to ${channel} that is not JSON.`, 'internal')
      }
      return parseOutput(channel, raw)
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const entry = listener as (payload: never) => void
      set.add(entry)
      ensureStream()
      return () => {
        set.delete(entry)
        // Close lazily, so an unsubscribe/resubscribe (React StrictMode) keeps the connection.
        if (listenerCount() === 0 && closeTimer === null) {
          closeTimer = setTimeout(() => {
            closeTimer = null
            if (listenerCount() === 0) stopStream()
          }, 0)
        }
      }
    },
    connection: () => state,
    onConnection(listener) {
      connectionListeners.add(listener)
      listener(state)
      return () => connectionListeners.delete(listener)
    },
    close: stopStream,
  }
}
