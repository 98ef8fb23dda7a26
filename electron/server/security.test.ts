import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

/** What the local double answers; the memory probe swaps in a long answer. */
let localReply = LOCAL_ANSWER
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

/** Run the real CLI in a fresh process; stdin is closed after `input`. */
async function runCli(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  child.stdin.end(input)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

/** Every file of a data folder, as one string, to search for something that must not be written. */
function folderText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'))
    .join('\n')
}

/** Everything the cloud double was sent, as one string, to search for leaked data. */
const sentToCloud = () => JSON.stringify(cloud.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body))
const cloudChats = () => cloud.requests.filter((r) => r.path.endsWith('/chat/completions')).length

/** The frames of an SSE body as {event, data}; ends with the stream, throws when reading fails. */
async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string | undefined; data: string | undefined }> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      yield { event: /^event: (.+)$/m.exec(frame)?.[1], data: /^data: (.+)$/m.exec(frame)?.[1] }
    }
  }
}

/** Read SSE events from /api/events until `until` says stop. */
async function readEvents(until: (event: string, data: Record<string, unknown>) => boolean, start: () => Promise<void>): Promise<void> {
  const controller = new AbortController()
  const res = await fetch(`${host.origin}/api/events`, { headers: auth(), signal: controller.signal })
  await start()
  try {
    for await (const { event, data } of sseFrames(res.body!)) {
      if (event && data && until(event, JSON.parse(data) as Record<string, unknown>)) return
    }
    throw new Error('event stream ended')
  } finally {
    controller.abort()
  }
}

beforeAll(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => localReply })
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
    const out = await v1({
      model: 'routellm/auto',
      messages: [
        { role: 'user', content: 'Hello there.' },
        { role: 'user', content: CLOUD_PROMPT },
      ],
    })
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

  it('failover: with Ollama down (connection refused), a pinned conversation errors instead of going to the cloud', async () => {
    const down = await startHeadlessHost({ ...cloudEnv(), OLLAMA_HOST: 'http://127.0.0.1:9' })
    try {
      const ask = async (messages: unknown[]) => {
        const res = await fetch(`${down.origin}/v1/chat/completions`, {
          method: 'POST',
          headers: auth(down.token),
          body: JSON.stringify({ model: 'routellm/auto', messages }),
        })
        return { status: res.status, text: await res.text() }
      }
      // Control: without private data, Ollama down sends a local-bound prompt to the cloud.
      const control = await ask([{ role: 'user', content: 'What is the capital of France?' }])
      expect(control.status).toBe(200)
      expect(cloudChats()).toBe(1)
      const pinned = await ask([
        { role: 'user', content: `My card is ${CARD}.` },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: 'What is the capital of France?' },
      ])
      expect(pinned.status).toBe(503)
      expect(pinned.text).toContain('private data')
      expect(pinned.text).not.toContain('6467')
      expect(cloudChats()).toBe(1)
    } finally {
      await down.stop()
    }
  }, 60_000)

  it('the CLI chat: private data with --tier cloud stays local', async () => {
    const { code, stdout } = await runCli(
      ['chat', '--json', '--tier', 'cloud', '-'],
      { ...cloudEnv(), ROUTELLM_HOME: host.dataDir },
      `Email ${EMAIL} the proof: ${CLOUD_PROMPT}`,
    )
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as { servedBy: { tier: string }; decision: { pinned: string } }
    expect(report).toMatchObject({ servedBy: { tier: 'local' }, decision: { pinned: 'privacy' } })
    expect(cloudChats()).toBe(0)
  }, 60_000)
})

/** A password and a key inside URLs: neither may be written, listed or quoted anywhere. */
const URL_SECRET = 'pw-7c1d9e0f4b2a'
const CREDENTIAL_URLS = [
  `https://me:${URL_SECRET}@api.example.com/v1`,
  `https://api.example.com/v1?api_key=${URL_SECRET}`,
  `https://api.example.com/v1?token=${URL_SECRET}`,
]
const customEndpoint = (baseURL: string) => ({ id: 'mine', name: 'Mine', provider: 'custom', baseURL, tier: 'cloud', models: ['m'], prices: {}, enabled: true })

describe('endpoints: one base-URL check wherever they come from', () => {
  it('endpoints.save refuses credentials in the base URL, naming the field without quoting it', async () => {
    for (const baseURL of CREDENTIAL_URLS) {
      const out = await rpc('endpoints.save', { endpoint: customEndpoint(baseURL), mode: 'create' })
      expect(out.status, baseURL).toBe(400)
      const text = JSON.stringify(out.json)
      expect(text).toContain('baseURL')
      expect(text).not.toContain(URL_SECRET)
      expect(text).not.toContain('api.example.com')
    }
    expect(JSON.stringify((await rpc('endpoints.list', {})).json)).not.toContain(URL_SECRET)
  })

  it('keys.import over HTTP refuses them and writes nothing', async () => {
    for (const baseURL of CREDENTIAL_URLS) {
      const out = await rpc('keys.import', { content: JSON.stringify({ version: 1, endpoints: [customEndpoint(baseURL)] }) })
      expect(out.status, baseURL).toBe(400)
      expect(JSON.stringify(out.json)).toMatch(/endpoints\[0\]\.baseURL: the base URL must not/)
      expect(JSON.stringify(out.json)).not.toContain(URL_SECRET)
    }
    expect(folderText(host.dataDir)).not.toContain(URL_SECRET)
    expect(host.output()).not.toContain(URL_SECRET)
  })

  it('the CLI keys import refuses them; keys export never writes one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'routellm-sec-'))
    const file = join(home, 'import.json')
    writeFileSync(file, JSON.stringify({ version: 1, endpoints: [customEndpoint(CREDENTIAL_URLS[1]!)] }))
    const imported = await runCli(['keys', 'import', file], { ROUTELLM_HOME: home })
    expect(imported.code).toBe(1)
    expect(imported.stderr).toMatch(/import\.json: endpoints\[0\]\.baseURL: the base URL must not carry a "api_key" parameter/)
    expect(imported.stderr + imported.stdout).not.toContain(URL_SECRET)
    expect(existsSync(join(home, 'settings.json'))).toBe(false)
    const exported = await runCli(['keys', 'export', '-'], { ROUTELLM_HOME: home })
    expect(exported.stdout).not.toContain(URL_SECRET)
  }, 60_000)

  it('a hand-edited settings.json or ROUTELLM_CLOUD_BASE_URL with credentials is refused at start, named and never quoted', async () => {
    const edited = await startHeadlessHost(
      { ...cloudEnv(), ROUTELLM_CLOUD_BASE_URL: `http://u:${URL_SECRET}@127.0.0.1:9/v1` },
      { prepare: (dir) => writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, endpoints: [customEndpoint(CREDENTIAL_URLS[0]!)] })) },
    )
    try {
      const res = await fetch(`${edited.origin}/api/rpc/endpoints.list`, { method: 'POST', headers: auth(edited.token), body: '{}' })
      const list = (await res.json()) as { endpoints: unknown[]; fromEnvironment: { id: string }[]; settings: { problem: string | null } }
      expect(list.endpoints).toEqual([])
      expect(list.fromEnvironment).toEqual([])
      expect(list.settings.problem).toMatch(/endpoints\[0\]\.baseURL: the base URL must not contain a user name or password/)
      expect(edited.output()).toMatch(/ROUTELLM_CLOUD_BASE_URL: the base URL must not contain a user name or password/)
      expect(JSON.stringify(list) + edited.output()).not.toContain(URL_SECRET)
      expect(readdirSync(edited.dataDir).some((f) => f.startsWith('settings.json.bak'))).toBe(false)
      const exported = await fetch(`${edited.origin}/api/rpc/keys.export`, { method: 'POST', headers: auth(edited.token), body: '{}' })
      expect(await exported.text()).not.toContain(URL_SECRET)
    } finally {
      await edited.stop()
    }
  }, 60_000)
})

/** One raw request on a given agent, so a test controls which connection it uses. */
function rawRequest(agent: Agent, opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const url = new URL(host.origin)
    const req = request({ host: url.hostname, port: url.port, agent, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

describe('smaller probes', () => {
  it('a body over 2 MB gets 400 with Connection: close, and the next request works', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const big = Buffer.alloc(2 * 1024 * 1024 + 10, 'a')
      for (const path of ['/api/rpc/route.decide', '/v1/chat/completions']) {
        const res = await rawRequest(agent, { method: 'POST', path, headers: auth(), body: big })
        expect(res.status, path).toBe(400)
        expect(res.headers.connection, path).toBe('close')
        const next = await rawRequest(agent, { method: 'GET', path: '/healthz' })
        expect(next.status, path).toBe(200)
      }
      // Streamed without a length: refused once past the limit, the same way.
      const url = new URL(host.origin)
      const chunked = await new Promise<{ status: number; connection: unknown }>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, agent, method: 'POST', path: '/api/rpc/route.decide', headers: auth() }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }))
        })
        req.on('error', reject)
        for (let i = 0; i < 3; i++) req.write(Buffer.alloc(1024 * 1024, 'b'))
        req.end()
      })
      expect(chunked).toEqual({ status: 400, connection: 'close' })
      expect((await rawRequest(agent, { method: 'GET', path: '/healthz' })).status).toBe(200)
    } finally {
      agent.destroy()
    }
  })

  it('bad percent-encoding gives 400, with or without a token, and no stack trace in the log', async () => {
    for (const headers of [{}, auth()]) {
      for (const path of ['/%zz', '/api/%zz', '/v1/%zz', '/assets/%E0%A4%A']) {
        const res = await fetch(`${host.origin}${path}`, { headers })
        expect(res.status, path).toBe(400)
      }
    }
    expect(host.output()).not.toMatch(/internal error|URIError|\n\s+at /)
  })

  it('/v1 refuses more messages than the contract allows (500 earlier turns + the prompt), OpenAI-style', async () => {
    const messages = Array.from({ length: 502 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` }))
    messages[501] = { role: 'user', content: 'last' }
    const before = ollama.requests.length
    const out = await v1({ model: 'routellm/auto', messages })
    expect(out.status).toBe(400)
    expect(out.json).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request' } })
    expect(String((out.json.error as { message: string }).message)).toContain('at most 501')
    expect(ollama.requests.length).toBe(before)
    expect(cloudChats()).toBe(0)
    // 501 is accepted.
    expect((await v1({ model: 'routellm/local', messages: messages.slice(1) })).status).toBe(200)
  })

  it('Test connection does not call the cloud in offline mode, and says it is offline', async () => {
    const saved = await rpc('endpoints.save', { endpoint: { ...customEndpoint(cloud.url), id: 'double' }, mode: 'create' })
    expect(saved.status).toBe(200)
    await rpc('network.setOffline', { offline: true })
    try {
      const before = cloud.requests.length
      const out = await rpc('endpoints.test', { id: 'double' })
      expect(out.json).toMatchObject({ ok: false, kind: 'unreachable' })
      expect((out.json as { message: string }).message).toMatch(/^Not tested: RouteLLM is offline/)
      expect(cloud.requests.length).toBe(before)
    } finally {
      await rpc('network.setOffline', { offline: false })
      await rpc('endpoints.remove', { id: 'double' })
    }
  })

  it('serve --host [::1] listens on IPv6 loopback and serves it', async () => {
    const v6 = await startHeadlessHost(cloudEnv(), { args: ['--host', '[::1]'] })
    try {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+\/#token=/)
      const res = await fetch(`${v6.origin}/api/rpc/endpoints.list`, { method: 'POST', headers: auth(v6.token), body: '{}' })
      expect(res.status).toBe(200)
    } finally {
      await v6.stop()
    }
    expect((await runCli(['serve', '--host', '10.0.0.1'], {})).stderr).toMatch(/--host must be a loopback address/)
  }, 60_000)
})

/** The serve process's resident memory, from /proc/<pid>/status, in MB. */
function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Math.round(Number(kb) / 1024)
}

/** An SSE client that connects and never reads a byte. */
function stalledClient(): Promise<Socket> {
  const url = new URL(host.origin)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(`GET /api/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${host.token}\r\n\r\n`)
      socket.pause() // never read: the kernel buffers fill, then the host's
      resolve(socket)
    })
    socket.on('error', () => {}) // the host may drop it
    socket.once('error', reject)
  })
}

/** A reading SSE client (all events, or the subscription in `query`), collecting what it saw and the finished request ids. */
async function statusWatcher(query = '?events=chat.status') {
  const controller = new AbortController()
  const res = await fetch(`${host.origin}/api/events${query}`, { headers: auth(), signal: controller.signal })
  expect(res.status).toBe(200)
  const streamId = res.headers.get('x-routellm-stream') ?? ''
  const finished = new Set<string>()
  const seen = new Set<string>()
  const tokensFor = new Set<string>()
  const pump = (async () => {
    try {
      for await (const { event, data } of sseFrames(res.body!)) {
        if (event) seen.add(event)
        if (event === 'chat.token' && data) tokensFor.add((JSON.parse(data) as { requestId: string }).requestId)
        if (event === 'chat.status' && data) {
          const status = JSON.parse(data) as { requestId: string; phase: string }
          if (['done', 'error', 'aborted'].includes(status.phase)) finished.add(status.requestId)
        }
      }
    } catch (error) {
      // close() aborts the fetch, which ends the read with an error; anything else is a failure
      if (!controller.signal.aborted) throw error
    }
  })()
  return {
    streamId,
    finished,
    seen,
    tokensFor,
    async until(ids: string[]) {
      while (!ids.every((id) => finished.has(id))) await new Promise((r) => setTimeout(r, 20))
    },
    async close() {
      controller.abort()
      await pump
    },
  }
}

describe('event streams: bounded per client, capped in number', () => {
  it('50 stalled SSE clients and 100 long chats keep the host under 600 MB, and memory stops growing', async () => {
    // 100 tokens of ~1 KB each: 100 chats put ~20 MB of events in front of every client.
    localReply = Array.from({ length: 100 }, (_, i) => `${'\n'.repeat(1000)}w${i}`).join('')
    const stalled = await Promise.all(Array.from({ length: 50 }, () => stalledClient()))
    const watcher = await statusWatcher()
    try {
      const runChats = async (n: number) => {
        const ids: string[] = []
        for (let i = 0; i < n; i += 10) {
          const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => rpc('chat.start', { prompt: 'Tell me a story.', tier: 'local' })))
          const started = batch.map((b) => (b.json as { requestId: string }).requestId)
          ids.push(...started)
          await watcher.until(started)
        }
        return ids
      }
      await runChats(1) // warm-up: the embedding model and the clients load on first use
      const baseline = rssMb(host.pid)
      await runChats(50)
      const half = rssMb(host.pid)
      await runChats(50)
      const full = rssMb(host.pid)
      console.log(`serve RSS: ${baseline} MB with 50 stalled clients, ${half} MB after 50 chats, ${full} MB after 100 chats`)
      expect(full).toBeLessThan(600)
      // The first chats grow the heap once (caches, JIT); after that memory stays flat. With
      // unbounded buffers the second half alone added over 100 MB.
      expect(full - half).toBeLessThan(60)
      // The client that reads never got chat.token: it subscribed to chat.status only.
      expect([...watcher.seen]).toEqual(['chat.status'])
    } finally {
      localReply = LOCAL_ANSWER
      for (const socket of stalled) socket.destroy()
      await watcher.close()
    }
  }, 120_000)

  it('a chat started with a stream id sends its tokens to that stream alone; status goes to all', async () => {
    const mine = await statusWatcher('')
    const other = await statusWatcher('')
    try {
      expect(mine.streamId).toMatch(/^[0-9a-f-]{36}$/)
      const started = await fetch(`${host.origin}/api/rpc/chat.start`, {
        method: 'POST',
        headers: { ...auth(), 'X-RouteLLM-Stream': mine.streamId },
        body: JSON.stringify({ prompt: 'Hello, how are you?', tier: 'local' }),
      })
      const { requestId } = (await started.json()) as { requestId: string }
      const broadcast = ((await rpc('chat.start', { prompt: 'Hi again!', tier: 'local' })).json as { requestId: string }).requestId
      await mine.until([requestId, broadcast])
      await other.until([requestId, broadcast])
      expect(mine.tokensFor.has(requestId)).toBe(true)
      expect(other.tokensFor.has(requestId)).toBe(false)
      // A chat started without a stream id still reaches every client.
      expect(mine.tokensFor.has(broadcast) && other.tokensFor.has(broadcast)).toBe(true)
    } finally {
      await mine.close()
      await other.close()
    }
  })

  it('refuses an event stream beyond the cap with 503 and Retry-After, and an unknown subscription with 400', async () => {
    const controllers: AbortController[] = []
    // Held until the end: fetch closes the stream of a Response the garbage collector takes,
    // which would free its slot on the host before the cap is reached.
    const opened: Response[] = []
    let refused: Response | null = null
    try {
      for (let i = 0; i < 70; i++) {
        const controller = new AbortController()
        controllers.push(controller)
        const res = await fetch(`${host.origin}/api/events`, { headers: auth(), signal: controller.signal })
        opened.push(res)
        if (res.status !== 200) {
          refused = res
          break
        }
      }
      expect(refused?.status).toBe(503)
      expect(refused?.headers.get('retry-after')).toBe('5')
      expect(await refused?.text()).toContain('too many event streams are open (64)')
      expect(opened.filter((r) => r.status === 200).length).toBeLessThanOrEqual(64)
    } finally {
      for (const c of controllers) c.abort()
    }
    const bad = await fetch(`${host.origin}/api/events?events=chat.token,secrets.dump`, { headers: auth() })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('unknown event \\"secrets.dump\\"')
  })
})

describe('model loading under a connection flood', () => {
  it('the embedding model retries after running out of file handles, with a message that says so', async () => {
    // A fresh process with few file handles uses them all up (as a flood of connections does),
    // loads the model, frees them, and loads again a second later.
    const script = `
      import { openSync, closeSync } from 'node:fs'
      const { createEmbedder } = await import('./electron/core/semantic/embedder.ts')
      const { defaultModelsRoot } = await import('./electron/core/semantic/models.ts')
      const { DEFAULT_MODEL_ID } = await import('./electron/core/semantic/settings.ts')
      const embedder = createEmbedder({ modelId: DEFAULT_MODEL_ID, modelsRoot: defaultModelsRoot() })
      const held = []
      try { for (;;) held.push(openSync('/dev/null', 'r')) } catch {}
      const flood = await embedder.load().then(() => null, (e) => ({ code: e.code, message: e.message }))
      for (const fd of held) closeSync(fd)
      await new Promise((r) => setTimeout(r, 1100))
      const after = await embedder.load().then((m) => m.dimensions, (e) => e.message)
      console.log(JSON.stringify({ flood, after }))
      process.exit(0)`
    const child = spawn('sh', ['-c', 'ulimit -n 256 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { flood: { code: string; message: string }; after: number }
    expect(result.flood.code).toBe('load-failed')
    expect(result.flood.message).toMatch(/could not be loaded just now \(.*EMFILE.*\); it is tried again shortly/)
    expect(result.after).toBe(100)
  }, 60_000)
})
