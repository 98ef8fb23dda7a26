import { spawn } from 'node:child_process'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'
import { startHeadlessHost, type RunningHost } from '../../e2e/headless-host'

/**
 * Security probes against a real `routellm serve` process (and the real CLI) with the Ollama
 * and OpenAI doubles: each test is one probe of what a hostile or careless client can do.
 */
const KEY = 'sk-test-double'
const LOCAL_ANSWER = 'Answered on this machine.'
const CLOUD_ANSWER = 'Answered by the cloud.'
/** Maths + proof: without a pin the router sends this to the cloud. */
const CLOUD_PROMPT =
  'Prove that the square root of 2 is irrational, then generalise the proof to any non-square integer and relate it to the fundamental theorem of arithmetic.'
// Fakes with the right shapes and checksums, belonging to nobody.
const CARD = '4539 1488 0343 6467'
const EMAIL = 'jane.doe+billing@example-mail.co.uk'
const API_KEY = 'sk-proj-4fT9qLmZ2xWv8RbN0cYk3HsJ7dPa1EuQ6gVo5iXw'

let ollama: OllamaDouble
let cloud: OpenAIDouble
let host: RunningHost

const cloudEnv = () => ({
  OLLAMA_HOST: ollama.url,
  ROUTELLM_LOCAL_MODEL: 'llama3.2:3b',
  ROUTELLM_CLOUD_BASE_URL: cloud.url,
  ROUTELLM_CLOUD_API_KEY: KEY,
  ROUTELLM_CLOUD_MODEL: 'gpt-4o-mini',
})

function auth(token = host.token): Record<string, string> {
  return { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
}

async function v1(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${host.origin}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify(body) })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

async function rpc(channel: string, input: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${host.origin}/api/rpc/${channel}`, { method: 'POST', headers: auth(), body: JSON.stringify(input ?? {}) })
  return { status: res.status, json: await res.json() }
}

/** Everything the cloud double was sent, as one string, to search for leaked data. */
const sentToCloud = () => JSON.stringify(cloud.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body))
const cloudChats = () => cloud.requests.filter((r) => r.path.endsWith('/chat/completions')).length

/** Read SSE events from /api/events until `until` says stop. */
async function readEvents(until: (event: string, data: Record<string, unknown>) => boolean, start: () => Promise<void>): Promise<void> {
  const controller = new AbortController()
  const res = await fetch(`${host.origin}/api/events`, { headers: auth(), signal: controller.signal })
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  await start()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error('event stream ended')
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.+)$/m.exec(frame)?.[1]
        const data = /^data: (.+)$/m.exec(frame)?.[1]
        if (event && data && until(event, JSON.parse(data) as Record<string, unknown>)) return
      }
    }
  } finally {
    controller.abort()
  }
}

beforeAll(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => LOCAL_ANSWER })
  cloud = await startOpenAIDouble({ apiKey: KEY, models: ['gpt-4o-mini'], reply: () => CLOUD_ANSWER })
  host = await startHeadlessHost(cloudEnv())
}, 60_000)

afterAll(async () => {
  await host?.stop()
  await Promise.all([cloud?.close(), ollama?.close()])
})

beforeEach(() => {
  cloud.requests.length = 0
  ollama.clearFault()
})

describe('privacy pin over the whole conversation (black-box, real serve)', () => {
  it('the cloud prompt without private data does go to the cloud (control)', async () => {
    const out = await v1({ model: 'routellm/auto', messages: [{ role: 'user', content: 'Hello there.' }, { role: 'user', content: CLOUD_PROMPT }] })
    expect(out.status).toBe(200)
    expect(out.json.routellm).toMatchObject({ tier: 'cloud' })
    expect(cloudChats()).toBe(1)
  })

  it('/v1 routellm/auto: a card number in an earlier user turn keeps the whole conversation local', async () => {
    const out = await v1({
      model: 'routellm/auto',
      messages: [
        { role: 'user', content: `My card is ${CARD}, remember it.` },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: CLOUD_PROMPT },
      ],
    })
    expect(out.status).toBe(200)
    expect(out.json.routellm).toMatchObject({ tier: 'local', endpoint: 'ollama' })
    const explanation = String((out.json.routellm as Record<string, unknown>).explanation)
    expect(explanation).toContain('a payment card number in turn 1 (user message)')
    expect(explanation).not.toContain('6467')
    expect(cloudChats()).toBe(0)
  })

  it('/v1 routellm/cloud: an e-mail address in the system message keeps the conversation local', async () => {
    const out = await v1({
      model: 'routellm/cloud',
      messages: [
        { role: 'system', content: `You write on behalf of ${EMAIL}.` },
        { role: 'user', content: CLOUD_PROMPT },
      ],
    })
    expect(out.status).toBe(200)
    expect(out.json.routellm).toMatchObject({ tier: 'local' })
    expect(String((out.json.routellm as Record<string, unknown>).explanation)).toContain('an e-mail address in turn 1 (system message)')
    expect(cloudChats()).toBe(0)
    expect(sentToCloud()).not.toContain('jane.doe')
  })

  it('chat.start with history: an API key in an earlier turn never reaches the cloud', async () => {
    let requestId = ''
    let final: Record<string, unknown> | null = null
    await readEvents(
      (event, data) => {
        if (event !== 'chat.status' || data.requestId !== requestId) return false
        if (data.phase === 'done' || data.phase === 'error') final = data
        return final !== null
      },
      async () => {
        const started = await rpc('chat.start', {
          prompt: CLOUD_PROMPT,
          tier: 'cloud',
          history: [
            { role: 'user', content: `Our deploy key is ${API_KEY}` },
            { role: 'assistant', content: 'Got it.' },
          ],
        })
        expect(started.status).toBe(200)
        requestId = (started.json as { requestId: string }).requestId
      },
    )
    expect(final).toMatchObject({ phase: 'done', servedBy: { tier: 'local' }, decision: { pinned: 'privacy' } })
    expect(cloudChats()).toBe(0)
    expect(sentToCloud()).not.toContain('4fT9qLmZ')
  })

  it('failover: with the local model failing, a pinned conversation errors clearly instead of going to the cloud', async () => {
    ollama.setFault({ kind: 'serverError', status: 500 })
    const out = await v1({
      model: 'routellm/auto',
      messages: [
        { role: 'system', content: `Bill ${CARD} at the end of the month.` },
        { role: 'user', content: CLOUD_PROMPT },
      ],
    })
    expect(out.status).toBe(503)
    expect(JSON.stringify(out.json)).toContain('private data')
    expect(JSON.stringify(out.json)).not.toContain('6467')
    expect(cloudChats()).toBe(0)
  })

  it('the CLI chat: private data with --tier cloud stays local', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', 'chat', '--json', '--tier', 'cloud', '-'], {
      env: { ...process.env, ...cloudEnv(), ROUTELLM_HOME: host.dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stdin.end(`Email ${EMAIL} the proof: ${CLOUD_PROMPT}`)
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as { servedBy: { tier: string }; decision: { pinned: string } }
    expect(report).toMatchObject({ servedBy: { tier: 'local' }, decision: { pinned: 'privacy' } })
    expect(cloudChats()).toBe(0)
  }, 30_000)
})
