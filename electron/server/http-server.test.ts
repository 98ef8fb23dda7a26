import { request } from 'node:http'
import { connect } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Handlers } from '../../shared/contract'
import { EventBus } from '../core/lib/event-bus'
import { createHttpHost } from './http-server'

const TOKEN = 'test-token-0123456789'

/** Raw HTTP so tests can set any Host/Origin header (fetch forbids changing Host). */
function send(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

const calls: unknown[] = []
const handlers = {
  'route.decide': async (input: unknown) => {
    calls.push(input)
    return {
      id: 'd1',
      tier: 'local',
      model: 'llama3.2:1b',
      endpoint: 'ollama',
      complexity: 12,
      threshold: 65,
      explanation: 'ok',
      pinned: null,
      trace: [],
      ms: 0.2,
    }
  },
} as unknown as Handlers

describe('headless HTTP host', () => {
  let port: number
  let close: () => Promise<void>
  const bus = new EventBus()

  beforeEach(async () => {
    calls.length = 0
    const staticDir = mkdtempSync(join(tmpdir(), 'routellm-static-'))
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>RouteLLM</title>')
    const host = createHttpHost({ handlers, bus, token: TOKEN, staticDir })
    port = await host.listen(0, '127.0.0.1')
    close = () =>
      new Promise((r) => {
        host.server.closeAllConnections()
        host.server.close(() => r())
      })
  })
  afterEach(() => close())

  const rpc = (body: string, headers: Record<string, string> = {}) =>
    send(port, {
      method: 'POST',
      path: '/api/rpc/route.decide',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
      body,
    })

  it('answers /healthz without a token and says nothing else', async () => {
    const res = await send(port, { path: '/healthz' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' })
  })

  it('runs a contract call with a valid token and payload', async () => {
    const res = await rpc(JSON.stringify({ prompt: 'hello' }))
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ tier: 'local', model: 'llama3.2:1b' })
    expect(calls).toEqual([{ prompt: 'hello' }])
  })

  it('rejects a call without the token (401) or with a wrong one', async () => {
    expect((await rpc('{"prompt":"x"}', { Authorization: '' })).status).toBe(401)
    expect((await rpc('{"prompt":"x"}', { Authorization: 'Bearer nope' })).status).toBe(401)
    expect(calls).toHaveLength(0)
  })

  it('rejects an invalid payload with 400 and the schema error, before the handler runs', async () => {
    const res = await rpc(JSON.stringify({ prompt: 42 }))
    expect(res.status).toBe(400)
    const { error } = JSON.parse(res.body)
    expect(error.code).toBe('invalid-input')
    expect(error.message).toContain('prompt')
    expect(error.issues[0].path).toEqual(['prompt'])
    expect(calls).toHaveLength(0)
  })

  it('rejects malformed JSON and unknown channels clearly', async () => {
    expect((await rpc('{not json')).status).toBe(400)
    const res = await send(port, { method: 'POST', path: '/api/rpc/keys.dump', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{}' })
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body).error.message).toContain('unknown channel')
  })

  it('refuses a non-loopback Host (DNS rebinding) with 403, even with the token', async () => {
    const res = await rpc('{"prompt":"x"}', { Host: `evil.example:${port}` })
    expect(res.status).toBe(403)
    expect((await send(port, { path: '/', headers: { Host: 'evil.example' } })).status).toBe(403)
  })

  it('refuses a foreign Origin with 403 and accepts its own', async () => {
    expect((await rpc('{"prompt":"x"}', { Origin: 'https://evil.example' })).status).toBe(403)
    expect((await rpc('{"prompt":"x"}', { Origin: 'null' })).status).toBe(403)
    expect((await rpc('{"prompt":"x"}', { Origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403)
    expect((await rpc('{"prompt":"x"}', { Origin: `http://localhost:${port}` })).status).toBe(200)
  })

  it('serves the dashboard with a strict CSP and without a token', async () => {
    const res = await send(port, { path: '/' })
    expect(res.status).toBe(200)
    expect(res.body).toContain('RouteLLM')
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'")
    expect((await send(port, { path: '/../../etc/passwd' })).body).not.toContain('root:')
  })

  it('streams contract events as server-sent events to an authorised client', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream')
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
          if (text.includes(': connected')) bus.emit('chat.token', { requestId: 'r1', text: 'Hi' })
          if (text.includes('event: chat.token')) {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
    expect(received).toContain('event: chat.token\ndata: {"requestId":"r1","text":"Hi"}\n\n')
  })

  it('drops an event client that stops reading once its unread bytes pass the budget, and frees its slot', async () => {
    const small = new EventBus()
    const lines: string[] = []
    const host = createHttpHost({
      handlers,
      bus: small,
      token: TOKEN,
      staticDir: null,
      eventLimits: { maxClients: 1, maxBufferedBytes: 64 * 1024 },
      log: (l) => lines.push(l),
    })
    const smallPort = await host.listen(0, '127.0.0.1')
    try {
      const socket = connect({ host: '127.0.0.1', port: smallPort })
      await new Promise((r) => socket.once('connect', r))
      socket.on('error', () => {})
      const opened = new Promise((r) => socket.once('data', r))
      socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)
      await opened
      socket.pause() // from now on it never reads
      // The slot is taken: a second stream is refused.
      expect((await send(smallPort, { path: '/api/events', headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(503)
      // More than the kernel's socket buffers can hold, so the rest waits in ours.
      const text = 'x'.repeat(16 * 1024)
      for (let i = 0; i < 4096 && lines.length === 0; i++) {
        small.emit('chat.token', { requestId: 'r1', text })
        await new Promise((r) => setImmediate(r))
      }
      expect(lines.join('\n')).toMatch(/events: dropped a client that left \d+ bytes unread/)
      // Its slot is free again.
      const next = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: smallPort, path: '/api/events', headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
          resolve(res.statusCode ?? 0)
          req.destroy()
        })
        req.on('error', reject)
        req.end()
      })
      expect(next).toBe(200)
      socket.destroy()
    } finally {
      host.server.closeAllConnections()
      await new Promise((r) => host.server.close(r))
    }
  })

  it('sends a client only the events it subscribed to, and refuses unknown names', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/events?events=chat.status', headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
          if (text.includes(': connected')) {
            bus.emit('chat.token', { requestId: 'r1', text: 'Hi' })
            bus.emit('chat.status', { requestId: 'r1', phase: 'done' })
          }
          if (text.includes('event: chat.status')) {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
    expect(received).not.toContain('chat.token')
    const bad = await send(port, { path: '/api/events?events=nope', headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(bad.status).toBe(400)
    expect(bad.body).toContain('unknown event')
  })
})
