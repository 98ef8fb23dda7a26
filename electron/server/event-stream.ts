import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { eventNames, type EventName } from '../../shared/contract'
import type { EventBus } from '../core/lib/event-bus'

export interface EventStreamLimits {
  /** Open streams at most; one more gets 503 with Retry-After. */
  maxClients: number
  /**
   * Bytes a client may leave unread in our buffer. A client past it (a stalled tab, a reader
   * that stopped) is dropped: its reconnect starts from a fresh snapshot, and the host never
   * holds more than maxClients × this for slow readers.
   */
  maxBufferedBytes: number
  heartbeatMs: number
}

/**
 * The response header that names an open stream. A client that sends it back with
 * chat.start gets that request's chat.token events alone; no other stream sees them.
 */
export const STREAM_HEADER = 'x-routellm-stream'

export const DEFAULT_EVENT_STREAM_LIMITS: EventStreamLimits = { maxClients: 64, maxBufferedBytes: 1024 * 1024, heartbeatMs: 15_000 }

/** A refusal for the caller to send in its own error format. */
export interface StreamRefusal {
  status: 400 | 503
  message: string
  headers?: Record<string, string>
}

/**
 * Which events a client wants: `?events=chat.status,health.status` (names from the contract),
 * or all of them when absent. A dashboard that shows no answer text can leave out chat.token.
 */
function subscription(url: URL): Set<EventName> | null | StreamRefusal {
  const raw = url.searchParams.get('events')
  if (raw === null) return null
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !(eventNames as string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) {
    const shown = unknown
      .slice(0, 3)
      .map((n) => `"${n.slice(0, 40)}"`)
      .join(', ')
    return { status: 400, message: names.length === 0 ? 'events: name at least one event' : `events: unknown event ${shown}` }
  }
  return new Set(names as EventName[])
}

/**
 * GET /api/events: the bus's events as server-sent events, to a bounded number of clients,
 * each with a bounded buffer. An event is serialised once, whatever the number of clients.
 */
export function createEventStreams(bus: EventBus, limits: EventStreamLimits = DEFAULT_EVENT_STREAM_LIMITS, log: (line: string) => void = () => {}) {
  /** Each open stream by id: the events it wants (null = all) and how to send it a frame. */
  const clients = new Map<string, { wanted: Set<EventName> | null; send: (frame: string) => void }>()
  /** requestId → the stream that started it; its tokens go there alone. */
  const owners = new Map<string, string>()

  // One subscription for all clients: each event is serialised once, whatever their number.
  bus.subscribe((event, payload) => {
    const requestId = event === 'chat.token' || event === 'chat.status' ? (payload as { requestId: string }).requestId : null
    const owner = requestId === null ? undefined : owners.get(requestId)
    if (event === 'chat.status' && owner !== undefined && ['done', 'error', 'aborted'].includes((payload as { phase: string }).phase)) owners.delete(requestId!)
    if (clients.size === 0) return
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`
    if (event === 'chat.token' && owner !== undefined) {
      const client = clients.get(owner)
      if (client && (!client.wanted || client.wanted.has(event))) client.send(frame)
      return
    }
    for (const client of [...clients.values()]) if (!client.wanted || client.wanted.has(event)) client.send(frame)
  })

  function open(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>): StreamRefusal | null {
    const wanted = subscription(url)
    if (wanted && 'status' in wanted) return wanted
    if (clients.size >= limits.maxClients) {
      return {
        status: 503,
        message: `too many event streams are open (${limits.maxClients}): close a dashboard tab, then retry`,
        headers: { 'Retry-After': '5' },
      }
    }
    const id = randomUUID()
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      [STREAM_HEADER]: id,
    })
    const close = () => {
      if (!clients.delete(id)) return
      clearInterval(heartbeat)
    }
    // A client past its budget gets nothing more and is dropped, which frees what it left unread.
    const send = (frame: string) => {
      if (res.writableLength > limits.maxBufferedBytes) {
        log(`events: dropped a client that left ${res.writableLength} bytes unread (it reconnects to a fresh snapshot)`)
        close()
        res.destroy()
        return
      }
      res.write(frame)
    }
    clients.set(id, { wanted, send })
    const heartbeat = setInterval(() => send(': ping\n\n'), limits.heartbeatMs)
    req.on('close', close)
    res.on('close', close)
    send(': connected\n\n')
    return null
  }

  /** The stream `streamId` started `requestId`: its tokens go to that stream only (unknown streams are ignored). */
  function claim(streamId: string, requestId: string): void {
    if (clients.has(streamId)) owners.set(requestId, streamId)
  }

  return {
    open,
    claim,
    get count() {
      return clients.size
    },
  }
}
