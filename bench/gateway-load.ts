// A closed-loop HTTP load generator for OpenAI-compatible /chat/completions: `concurrency`
// workers on keep-alive loopback connections, each sending its next request when the previous
// one has been read to the end, until a request count or a time limit is reached.
import http from 'node:http'
import { quantiles } from '../shared/numbers'

export interface GatewayTarget {
  name: string
  /** Base URL including /v1. */
  baseUrl: string
  key: string
  model: string
  headers?: Record<string, string>
}

export interface LoadCell {
  concurrency: number
  stream: boolean
  maxRequests: number
  maxMs: number
}

export interface CellResult {
  requests: number
  errors: number
  errorSample: string | null
  seconds: number
  perSecond: number
  /** Whole request, send to last byte, ms. */
  latency: Quantiles
  /** Send to first byte of the body, ms. */
  ttfb: Quantiles
}

export interface Quantiles {
  p50: number
  p99: number
}

/** Nearest-rank median and 99th percentile; NaN for no values (nothing was measured). */
export function latencyQuantiles(values: number[]): Quantiles {
  return quantiles(values, { p50: 0.5, p99: 0.99 }) ?? { p50: Number.NaN, p99: Number.NaN }
}

// Prompts of several kinds, numbered so that no two requests send the same text (a cache in
// the gateway must not make it look faster than it is).
const KINDS = [
  'Write a short, friendly reply thanking a colleague for reviewing my pull request',
  'Explain step by step why the sum of two odd numbers is always even',
  'Refactor this function to avoid the nested loops and explain the complexity you end up with',
  'Summarise the trade-offs between optimistic and pessimistic locking in a database',
  'hi there, how are you today?',
  'Translate "the meeting moved to Thursday afternoon" into French and German',
  'Design a rate limiter for a multi-tenant API and describe how it behaves under bursts',
  'What is the capital of Australia and why is it not Sydney?',
]

export function promptFor(n: number): string {
  return `${KINDS[n % KINDS.length]} (request ${n})`
}

export async function runCell(target: GatewayTarget, cell: LoadCell, firstPrompt = 0): Promise<CellResult> {
  const url = new URL(`${target.baseUrl.replace(/\/$/, '')}/chat/completions`)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`the bench only sends load to loopback, not ${url.hostname}`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: cell.concurrency })
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${target.key}`,
    ...target.headers,
  }
  const latencies: number[] = []
  const ttfbs: number[] = []
  let sent = 0
  let errors = 0
  let errorSample: string | null = null
  const started = performance.now()

  const once = (n: number) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ model: target.model, messages: [{ role: 'user', content: promptFor(n) }], stream: cell.stream })
      const t0 = performance.now()
      let ttfb = -1
      const fail = (why: string) => {
        errors++
        errorSample ??= why
        resolve()
      }
      const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (ttfb < 0) ttfb = performance.now() - t0
          text += chunk
        })
        res.on('end', () => {
          const done = performance.now() - t0
          if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)
          if (cell.stream ? !text.endsWith('data: [DONE]\n\n') : !text.includes('"choices"')) return fail(`incomplete body: ${text.slice(-200)}`)
          latencies.push(done)
          ttfbs.push(ttfb)
          resolve()
        })
        res.on('error', (e) => fail(e.message))
      })
      req.on('error', (e) => fail(e.message))
      req.end(body)
    })

  const worker = async () => {
    while (sent < cell.maxRequests && performance.now() - started < cell.maxMs) await once(firstPrompt + sent++)
  }
  await Promise.all(Array.from({ length: cell.concurrency }, worker))
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  return {
    requests: latencies.length,
    errors,
    errorSample,
    seconds,
    perSecond: latencies.length / seconds,
    latency: latencyQuantiles(latencies),
    ttfb: latencyQuantiles(ttfbs),
  }
}
