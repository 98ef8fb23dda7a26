import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase())
}

/**
 * DNS-rebinding defence: a browser tricked into resolving evil.example to 127.0.0.1 still
 * sends `Host: evil.example`, so only loopback names are served.
 */
export function hostIsLoopback(req: IncomingMessage): boolean {
  const host = req.headers.host
  if (!host) return false
  try {
    return isLoopbackHostname(new URL(`http://${host}`).hostname)
  } catch {
    return false
  }
}

/**
 * Cross-site defence: a page on another origin may POST to us (CORS does not stop the
 * request), so a present Origin must be our own loopback origin. Non-browser clients send none.
 */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    const url = new URL(origin)
    return url.protocol === 'http:' && isLoopbackHostname(url.hostname) && Number(url.port || 80) === port
  } catch {
    return false // includes the literal "null" origin of sandboxed frames and file:// pages
  }
}

/** Constant-time bearer check against the per-launch token. */
export function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? ''
  const match = /^Bearer (.+)$/.exec(header)
  if (!match?.[1]) return false
  const given = Buffer.from(match[1])
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
