import { fail, ok, type Verdict } from '../types'
import { canary, filesContaining, type DeepStack } from './stack'

/** What left the stack while it ran: every log line and every request to a cloud endpoint. */
export interface StackCapture {
  logs: string[]
  cloudRequests: string[]
}

/** A fetch for cloud clients that records each request (address and body) before sending it. */
export function recordingFetch(capture: StackCapture): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const body = init?.body
    const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : body ? String(body) : ''
    capture.cloudRequests.push(`${url}\n${text}`)
    return fetch(input, init)
  }
}

/**
 * Privacy audit: a canary (private data, so pinned local) goes through the whole stack, with
 * the user asking for the cloud on purpose. It must not reach a request to any cloud
 * endpoint, a log line, or a file in the data folder (telemetry, state, settings). The stack
 * is shut down first, so everything it keeps has been written.
 */
export async function checkPrivacy(stack: DeepStack, capture: StackCapture, dataDir: string): Promise<Verdict> {
  const secret = canary()
  let served: string
  try {
    await stack.ready
    const result = await stack.generate({ prompt: `@cloud Draft a short reply to ${secret} confirming the meeting.`, tier: 'cloud' })
    served = result.servedBy ? `${result.servedBy.tier} (${result.servedBy.model})` : `nobody (${result.phase})`
  } finally {
    await stack.close()
  }
  const leaks: string[] = []
  if (capture.cloudRequests.some((r) => r.includes(secret))) leaks.push('a request to the cloud')
  const lines = capture.logs.filter((l) => l.includes(secret)).length
  if (lines > 0) leaks.push(`${lines} log line(s)`)
  const files = await filesContaining(dataDir, secret)
  if (files.length > 0) leaks.push(`file(s) ${files.map((f) => f.slice(dataDir.length + 1)).join(', ')}`)
  const detail = { servedBy: served, cloudRequests: capture.cloudRequests.length, logLines: capture.logs.length, leaks }
  if (leaks.length > 0) return fail(`a private prompt (a canary, asked for the cloud) reached ${leaks.join(', ')}; it was answered by ${served}`, detail)
  return ok(`a private prompt asked for the cloud was answered by ${served} and reached no cloud request, log line or data file`, detail)
}
