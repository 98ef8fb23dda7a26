import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { sendJsonBody } from './json-response'

describe('sendJsonBody', () => {
  let server: http.Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  it('sends the body with its byte length, not chunked, keeping the given headers', async () => {
    const body = { answer: 'déjà vu — 東京', n: 3 }
    server = http.createServer((_req, res) => sendJsonBody(res, 201, { 'x-routellm-tier': 'cloud' }, body))
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers: { connection: 'close' } })
    const text = await res.text()
    expect(res.status).toBe(201)
    expect(res.headers.get('transfer-encoding')).toBeNull()
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)))
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('x-routellm-tier')).toBe('cloud')
    expect(JSON.parse(text)).toEqual(body)
  })
})
