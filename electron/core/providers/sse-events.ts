import { StringDecoder } from 'node:string_decoder'

/** One server-sent event: its `event` field (null when absent) and its data lines joined by newlines. */
export interface SseEvent {
  event: string | null
  data: string
}

/**
 * Server-sent events from a response body, as the HTML spec parses them (LF, CRLF or CR line
 * ends; `data` lines joined; comments and unknown fields ignored; an unterminated last event
 * dropped; text decoded as UTF-8 across chunk boundaries). Synchronous: `push` returns the
 * events each body chunk completes, so reading a stream costs no async step beyond the body's own.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8')
  private pending = ''
  private event: string | null = null
  private data: string[] = []
  private batch: SseEvent[] = []

  /** The events completed by this chunk of the body (often none, sometimes several). */
  push(chunk: Uint8Array): SseEvent[] {
    this.feed(this.decoder.write(chunk as Buffer))
    return this.take()
  }

  /** The body ended: a CR held back for a possible LF ends its line; an unterminated event is dropped. */
  end(): SseEvent[] {
    this.feed(this.decoder.end())
    if (this.pending.endsWith('\r')) this.line(this.pending.slice(0, -1))
    this.pending = ''
    return this.take()
  }

  private take(): SseEvent[] {
    if (this.batch.length === 0) return []
    const done = this.batch
    this.batch = []
    return done
  }

  /** Feeds every complete line of `text` (after what was pending) and keeps the unfinished rest. */
  private feed(text: string): void {
    const all = this.pending + text
    let start = 0
    for (let i = 0; i < all.length; i++) {
      const c = all.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      // A CR at the very end may be the first half of a CRLF split across reads: wait for the next read.
      if (c === 13 && i === all.length - 1) break
      this.line(all.slice(start, i))
      if (c === 13 && all.charCodeAt(i + 1) === 10) i++
      start = i + 1
    }
    this.pending = all.slice(start)
  }

  private line(text: string): void {
    if (text === '') {
      if (this.data.length > 0) this.batch.push({ event: this.event, data: this.data.join('\n') })
      this.event = null
      this.data = []
      return
    }
    if (text.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
  }
}
