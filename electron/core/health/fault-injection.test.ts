// Fault injection: one scenario per fault, against the Ollama and OpenAI protocol doubles.
// For each: every request ends with an answer or a clear error (none lost, none hanging),
// the breaker opens and half-opens as specified, a cooling endpoint costs at most one failed
// try, and recovery returns traffic. Breaker time and the wait for a Retry-After run on a
// fake clock; stream timeouts run on short real timers (no assertion is about how long
// anything took).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { cloudEndpoint, createHarness, FakeClock, ollamaEndpoint, type Harness, type HarnessOptions, type RunResult } from '../../../test/support/chat-harness'

const KEY = 'sk-test-double'
const REPLY = {
  a: 'Endpoint A says: recursion is a function calling itself until a base case stops it.',
  b: 'Endpoint B says: recursion solves a problem through smaller copies of itself.',
  ollama: 'The local model says: a function that calls itself, with a base case.',
}
const COOLDOWN = 5_000
// Long enough that a healthy answer never trips them on a loaded machine, short enough for
// the scenarios that wait for them.
const TIMEOUTS = { firstTokenMs: { local: 2000, cloud: 2000 }, idleMs: 1500 }

let ollama: OllamaDouble
let a: OpenAIDouble
let b: OpenAIDouble
let clock: FakeClock
let h: Harness | undefined

beforeEach(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => REPLY.ollama })
  a = await startOpenAIDouble({ apiKey: KEY, models: ['model-a'], reply: () => REPLY.a })
  b = await startOpenAIDouble({ apiKey: KEY, models: ['model-b'], reply: () => REPLY.b })
  clock = new FakeClock()
})

afterEach(async () => {
  h?.close()
  h = undefined
  await Promise.all([ollama.close(), a.close(), b.close()])
})

async function setup(overrides: Partial<HarnessOptions> = {}): Promise<Harness> {
  h = createHarness({
    endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('a', a.url, ['model-a']), cloudEndpoint('b', b.url, ['model-b'])],
    keys: { a: KEY, b: KEY },
    route: { tier: 'cloud' },
    ollamaUrl: ollama.url,
    clock,
    health: { baseCooldownMs: COOLDOWN },
    timeouts: TIMEOUTS,
    ...overrides,
  })
  await h.stack.registry.refreshLocal()
  return h
}

const chats = (d: OpenAIDouble) => d.requestsTo('/v1/chat/completions').length
const ollamaChats = () => ollama.requestsTo('/api/chat').length
const breaker = (id: string) => h!.stack.health.health(id).breaker
const stateOf = (id: string) => h!.stack.gate.report().endpoints.find((e) => e.id === id)?.state

/** Ended with the whole answer of the endpoint that served it. */
function expectAnswered(run: RunResult, by: 'a' | 'b' | 'ollama'): void {
  expect(run.result.phase, run.result.error).toBe('done')
  expect(run.result.servedBy?.endpoint).toBe(by)
  expect(run.text).toBe(REPLY[by])
}

/** Ended with a clear error after part of the answer: the text is a strict prefix, never repeated. */
function expectInterrupted(run: RunResult, by: 'a' | 'b' | 'ollama', why: RegExp): void {
  expect(run.result.phase).toBe('error')
  expect(run.result.interrupted).toBe(true)
  expect(run.result.error).toMatch(why)
  expect(run.result.error).toMatch(/incomplete/)
  expect(run.text.length).toBeGreaterThan(0)
  expect(REPLY[by].startsWith(run.text)).toBe(true)
  expect(run.text).not.toBe(REPLY[by])
  expect(run.statuses.at(-1)).toMatchObject({ phase: 'error', interrupted: true })
}

async function many(n: number, tier?: 'local' | 'cloud'): Promise<RunResult[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => h!.run(`question ${i}: what is recursion?`, tier ? { tier } : {})))
}

describe('fault: 5xx bursts', () => {
  it('fails over transparently, opens after 3 failures, probes once per cooldown, and returns traffic on recovery', async () => {
    await setup()
    a.setFault({ kind: 'serverError', status: 503 })
    for (let i = 0; i < 3; i++) {
      const run = await h!.run('what is recursion?')
      expectAnswered(run, 'b')
      expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'unavailable' }])
      expect(run.result.hops[0]?.message).toContain('503')
    }
    expect(chats(a)).toBe(3)
    expect(breaker('a')).toBe('open')
    expect(stateOf('a')).toBe('open')

    // While cooling: A costs nothing, B answers without a hop.
    for (const run of await many(10)) {
      expectAnswered(run, 'b')
      expect(run.result.hops).toEqual([])
    }
    expect(chats(a)).toBe(3)

    // Cooldown over: half-open; among concurrent requests exactly one probes A.
    clock.advance(COOLDOWN)
    expect(breaker('a')).toBe('half-open')
    expect(stateOf('a')).toBe('half-open')
    const probing = await many(10)
    for (const run of probing) expectAnswered(run, 'b')
    expect(probing.filter((r) => r.result.hops.length === 1)).toHaveLength(1)
    expect(chats(a)).toBe(4)
    expect(breaker('a')).toBe('open')
    expect(h!.stack.health.health('a').cooldownRemainingMs).toBe(2 * COOLDOWN) // doubled after a failed probe

    clock.advance(COOLDOWN)
    await many(5)
    expect(chats(a)).toBe(4) // still cooling

    a.clearFault()
    clock.advance(COOLDOWN)
    const back = await h!.run('what is recursion?')
    expectAnswered(back, 'a')
    expect(breaker('a')).toBe('closed')
    for (const run of await many(5)) expectAnswered(run, 'a')
    expect(stateOf('a')).toBe('healthy')
  })
})

describe('fault: 429 with Retry-After', () => {
  it('moves to the next arm and leaves the endpoint alone exactly as long as Retry-After says', async () => {
    await setup()
    a.setFault({ kind: 'rateLimit', retryAfterSeconds: 30, times: 1 })
    const first = await h!.run('what is recursion?')
    expectAnswered(first, 'b')
    expect(first.result.hops).toMatchObject([{ endpoint: 'a', error: 'rate-limited', retryAfterMs: 30_000 }])
    expect(h!.stack.health.health('a').cooldownRemainingMs).toBe(30_000)

    for (const run of await many(5)) expectAnswered(run, 'b')
    clock.advance(29_000)
    expectAnswered(await h!.run('again'), 'b')
    expect(chats(a)).toBe(1)

    clock.advance(1_000)
    expectAnswered(await h!.run('again'), 'a')
    expect(chats(a)).toBe(2)
    expect(breaker('a')).toBe('closed')
  })

  it('with no other arm, waits a short Retry-After once and retries the same endpoint', async () => {
    // The wait runs on the fake clock the breaker reads: the retry comes exactly when the cooldown ends.
    h = createHarness({ endpoints: [cloudEndpoint('a', a.url, ['model-a'])], keys: { a: KEY }, route: { tier: 'cloud' }, clock, timeouts: TIMEOUTS })
    a.setFault({ kind: 'rateLimit', retryAfterSeconds: 1, times: 1 })
    const started = clock.now()
    const run = await h.run('what is recursion?')
    expectAnswered(run, 'a')
    expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'rate-limited', retryAfterMs: 1000 }])
    expect(clock.now() - started).toBe(1000)
    expect(chats(a)).toBe(2)
  })

  it('retries the same endpoint even when the wait ends a moment before its cooldown does', async () => {
    // A real timer can fire a millisecond before Date.now() reaches the end of the breaker's cooldown.
    h = createHarness({
      endpoints: [cloudEndpoint('a', a.url, ['model-a'])],
      keys: { a: KEY },
      route: { tier: 'cloud' },
      clock,
      retryWaitEarlyMs: 1,
      timeouts: TIMEOUTS,
    })
    a.setFault({ kind: 'rateLimit', retryAfterSeconds: 1, times: 1 })
    const started = clock.now()
    const run = await h.run('what is recursion?')
    expectAnswered(run, 'a')
    expect(clock.now() - started).toBe(1000)
    expect(chats(a)).toBe(2)
  })

  it('with a long Retry-After and no other cloud arm, answers locally and does not retry early', async () => {
    await setup({ endpoints: [ollamaEndpoint(ollama.url), cloudEndpoint('a', a.url, ['model-a'])] })
    a.setFault({ kind: 'rateLimit', retryAfterSeconds: 120, times: 1 })
    const run = await h!.run('what is recursion?')
    expectAnswered(run, 'ollama')
    expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'rate-limited', retryAfterMs: 120_000 }])
    const next = await h!.run('what is recursion?')
    expectAnswered(next, 'ollama')
    expect(next.result.decision?.pinned).toBe('health')
    expect(next.result.decision?.explanation).toMatch(/Cloud is unavailable/)
    expect(chats(a)).toBe(1)
  })
})

describe('fault: latency degradation (slow but not timing out)', () => {
  it('moves traffic off a slow endpoint, probes it once per interval, and returns traffic when it is fast again', async () => {
    // Answers are timed on the fake clock: each upstream moves it by its time to first token
    // when it starts answering, so "slow" does not depend on how loaded the machine is.
    await setup({
      timeAnswersWithClock: true,
      health: { baseCooldownMs: COOLDOWN, baselineMinSamples: 20, latencyFactor: 3, latencyFloorMs: 100, degradedProbeMs: 5000 },
    })
    let slowAnswersLeft = 0
    a.reply = () => {
      clock.advance(slowAnswersLeft > 0 ? (slowAnswersLeft--, 350) : 10)
      return REPLY.a
    }
    b.reply = () => {
      clock.advance(10)
      return REPLY.b
    }
    for (let i = 0; i < 25; i++) expectAnswered(await h!.run('warm up'), 'a')
    slowAnswersLeft = 4
    // The median of the last 5 times to first token turns slow at the third slow answer.
    for (let i = 0; i < 3; i++) expectAnswered(await h!.run('slow'), 'a')
    expect(stateOf('a')).toBe('degraded')
    const before = chats(a)
    for (let i = 0; i < 10; i++) expectAnswered(await h!.run('steered'), 'b')
    expect(chats(a)).toBe(before)

    clock.advance(5000) // one probe: still slow, the answer still arrives, A stays degraded
    const probe = await many(5)
    for (const run of probe) expect(run.result.phase).toBe('done')
    expect(chats(a)).toBe(before + 1)
    expect(stateOf('a')).toBe('degraded')

    clock.advance(5000) // the slow answers are spent: the next probe is fast and traffic returns
    expectAnswered(await h!.run('probe'), 'a')
    expect(stateOf('a')).toBe('healthy')
    for (const run of await many(5)) expectAnswered(run, 'a')
  })
})

describe('fault: connection refused', () => {
  it('opens at the first refusal, probes once per cooldown, and serves again after the endpoint returns', async () => {
    await setup()
    await a.stop()
    const first = await h!.run('what is recursion?')
    expectAnswered(first, 'b')
    expect(first.result.hops).toMatchObject([{ endpoint: 'a', error: 'unavailable' }])
    expect(first.result.hops[0]?.message).toContain('connection refused')
    expect(breaker('a')).toBe('open')

    const cooling = await many(10)
    for (const run of cooling) expectAnswered(run, 'b')
    expect(cooling.flatMap((r) => r.result.hops)).toEqual([])

    clock.advance(COOLDOWN)
    const probes = await many(5)
    for (const run of probes) expectAnswered(run, 'b')
    expect(probes.flatMap((r) => r.result.hops)).toHaveLength(1)
    expect(breaker('a')).toBe('open')

    await a.restart()
    clock.advance(2 * COOLDOWN)
    expectAnswered(await h!.run('what is recursion?'), 'a')
    expect(breaker('a')).toBe('closed')
  })
})

describe('fault: slow first token beyond the timeout', () => {
  it('gives up on the slow cloud endpoint before any text and answers from the next one', async () => {
    await setup()
    a.setFault({ kind: 'slowFirstToken', delayMs: 10_000, times: 3 })
    for (let i = 0; i < 3; i++) {
      const run = await h!.run('what is recursion?')
      expectAnswered(run, 'b')
      expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'timeout' }])
    }
    expect(breaker('a')).toBe('open')
    clock.advance(COOLDOWN)
    expectAnswered(await h!.run('what is recursion?'), 'a') // the fault is spent: the probe succeeds
    expect(breaker('a')).toBe('closed')
  })

  it('does not hang on an Ollama that holds back its headers (model loading): times out and fails over', async () => {
    await setup({ route: { tier: 'local' } })
    ollama.setFault({ kind: 'slowFirstToken', delayMs: 10_000, times: 1 })
    const run = await h!.run('hello there')
    expectAnswered(run, 'a')
    expect(run.result.hops).toMatchObject([{ endpoint: 'ollama', error: 'timeout' }])
  })
})

describe('fault: stalled stream', () => {
  it('after text: ends with a clear error marker, keeps the text once, and does not fail over', async () => {
    await setup()
    a.setFault({ kind: 'stall', afterChunks: 4, times: 1 })
    const run = await h!.run('what is recursion?')
    expectInterrupted(run, 'a', /stalled/)
    expect(chats(b)).toBe(0)
  })

  it('before any text: fails over transparently', async () => {
    await setup()
    a.setFault({ kind: 'stall', afterChunks: 1, times: 1 }) // the role chunk arrives, then nothing
    const run = await h!.run('what is recursion?')
    expectAnswered(run, 'b')
    expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'timeout' }])
  })

  it('a stalled local stream ends with the marker too', async () => {
    await setup({ route: { tier: 'local' } })
    ollama.setFault({ kind: 'stall', afterChunks: 3, times: 1 })
    expectInterrupted(await h!.run('hello'), 'ollama', /stalled/)
  })
})

describe('fault: mid-stream disconnect', () => {
  it('after text: clear error marker, no duplicated text, no failover; the next request is fine', async () => {
    await setup()
    a.setFault({ kind: 'disconnect', afterChunks: 4, times: 1 })
    const run = await h!.run('what is recursion?')
    expectInterrupted(run, 'a', /connection dropped/)
    expect(chats(b)).toBe(0)
    expectAnswered(await h!.run('again'), 'a')
  })

  it('before any text: fails over transparently', async () => {
    await setup()
    a.setFault({ kind: 'disconnect', afterChunks: 0, times: 1 })
    const run = await h!.run('what is recursion?')
    expectAnswered(run, 'b')
    expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'unavailable' }])
  })

  it('Ollama dropping the socket mid-answer ends with the marker', async () => {
    await setup({ route: { tier: 'local' } })
    ollama.setFault({ kind: 'disconnect', afterChunks: 3, times: 1 })
    expectInterrupted(await h!.run('hello'), 'ollama', /connection dropped|mid-stream/)
  })
})

describe('fault: malformed JSON chunks', () => {
  it('cloud, before text: classified malformed and failed over', async () => {
    await setup()
    a.setFault({ kind: 'malformedChunk', afterChunks: 0, times: 1 })
    const run = await h!.run('what is recursion?')
    expectAnswered(run, 'b')
    expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'malformed' }])
  })

  it('cloud, after text: clear error marker', async () => {
    await setup()
    a.setFault({ kind: 'malformedChunk', afterChunks: 4, times: 1 })
    expectInterrupted(await h!.run('what is recursion?'), 'a', /malformed/)
  })

  it('Ollama: the broken line is skipped and the whole answer arrives', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      await setup({ route: { tier: 'local' } })
      ollama.setFault({ kind: 'malformedChunk', afterChunks: 3, times: 1 })
      expectAnswered(await h!.run('hello'), 'ollama')
    } finally {
      warn.mockRestore()
    }
  })
})

describe('fault: prompt longer than the context', () => {
  it('moves to an endpoint with a bigger context without blaming the first; says so clearly when none fits', async () => {
    a.maxPromptChars = 200
    await setup()
    const long = `Summarise this: ${'lorem ipsum '.repeat(40)}`
    const run = await h!.run(long)
    expectAnswered(run, 'b')
    expect(run.result.hops).toMatchObject([{ endpoint: 'a', error: 'context-length' }])
    expect(stateOf('a')).toBe('healthy')
    expectAnswered(await h!.run('short question'), 'a')

    b.maxPromptChars = 200
    h!.close()
    await setup({ endpoints: [cloudEndpoint('a', a.url, ['model-a']), cloudEndpoint('b', b.url, ['model-b'])] })
    const none = await h!.run(long)
    expect(none.result.phase).toBe('error')
    expect(none.result.error).toMatch(/too long for every available model/)
  })
})

describe('fault: bad key', () => {
  const CANARY = 'sk-canary-7f3c9e1d5b2a4f6e8d0c1b3a5f7e9d2c'

  it('is not retried: the endpoint is marked misconfigured after one try, and the key appears nowhere', async () => {
    const logs: string[] = []
    await setup({ keys: { a: CANARY, b: KEY }, log: (line) => logs.push(line) })
    const first = await h!.run('what is recursion?')
    expectAnswered(first, 'b')
    expect(first.result.hops).toMatchObject([{ endpoint: 'a', error: 'misconfigured' }])
    expect(first.result.hops[0]?.message).toMatch(/rejected the API key \(401\)/)

    const rest = await many(5)
    for (const run of rest) expectAnswered(run, 'b')
    expect(chats(a)).toBe(1)
    expect(stateOf('a')).toBe('misconfigured')
    clock.advance(2 * 60_000)
    expectAnswered(await h!.run('again'), 'b')
    expect(chats(a)).toBe(1) // a rejected key is not retried on a timer like an outage

    const everything = JSON.stringify({ first, rest, outcomes: h!.outcomes, report: h!.stack.gate.report(), logs })
    expect(everything).not.toContain(CANARY)
    expect(everything).not.toContain(CANARY.slice(-6))
    expect(everything).not.toContain(CANARY.slice(3, 12))
  })

  it('a new key gives the endpoint a fresh start', async () => {
    await setup({ keys: { a: CANARY, b: KEY } })
    await h!.run('what is recursion?')
    expect(stateOf('a')).toBe('misconfigured')
    h!.source.update(undefined, { a: KEY })
    await vi.waitFor(() => expect(stateOf('a')).not.toBe('misconfigured'))
    expectAnswered(await h!.run('again'), 'a')
  })

  it('a cloud endpoint without a key is never contacted', async () => {
    await setup({ endpoints: [ollamaEndpoint(ollama.url), { ...cloudEndpoint('a', a.url, ['model-a']), provider: 'openai' }], keys: {} })
    const run = await h!.run('what is recursion?')
    expectAnswered(run, 'ollama')
    expect(a.requests).toHaveLength(0)
    expect(h!.stack.gate.report().endpoints.find((e) => e.id === 'a')).toMatchObject({ state: 'misconfigured', key: 'missing' })
  })
})

describe('fault: network offline', () => {
  it('ROUTELLM_OFFLINE=1: cloud prompts are answered locally and no request reaches the cloud', async () => {
    await setup({ env: { ROUTELLM_OFFLINE: '1' } })
    for (const run of await many(5)) {
      expectAnswered(run, 'ollama')
      expect(run.result.decision?.pinned).toBe('offline')
    }
    expect(a.requests).toHaveLength(0)
    expect(b.requests).toHaveLength(0)
    const report = h!.stack.gate.report()
    expect(report.network).toMatchObject({ offline: true, cause: 'env' })
    expect(report.endpoints.filter((e) => e.tier === 'cloud').map((e) => e.state)).toEqual(['offline', 'offline'])
  })

  it('the offline switch takes effect at once, both ways', async () => {
    await setup()
    h!.stack.network.setOffline(true)
    expectAnswered(await h!.run('what is recursion?'), 'ollama')
    expect(a.requests).toHaveLength(0)
    h!.stack.network.setOffline(false)
    expectAnswered(await h!.run('what is recursion?'), 'a')
  })

  it('a failing DNS lookup disables the cloud at once; nothing tries it until a probe finds the network again', async () => {
    let down = true
    let online = false
    let fetches = 0
    const cloudFetch: typeof fetch = async (input, init) => {
      fetches += 1
      if (down) {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo EAI_AGAIN api.example.com'), { code: 'EAI_AGAIN' }) })
      }
      return fetch(input, init)
    }
    await setup({ cloudFetch, networkProbe: async () => online })
    const first = await h!.run('what is recursion?')
    expectAnswered(first, 'ollama')
    expect(first.result.hops).toMatchObject([{ endpoint: 'a', error: 'offline' }])
    expect(fetches).toBe(1) // B was not tried: the network, not A, is down

    for (const run of await many(5)) {
      expectAnswered(run, 'ollama')
      expect(run.result.decision?.pinned).toBe('offline')
    }
    clock.advance(60_000) // background rechecks run the probe, which still says offline
    await h!.stack.network.recheck()
    expectAnswered(await h!.run('what is recursion?'), 'ollama')
    expect(fetches).toBe(1)
    expect(h!.stack.gate.report().network).toMatchObject({ offline: true, cause: 'detected' })

    down = false
    online = true
    await h!.stack.network.recheck()
    expectAnswered(await h!.run('what is recursion?'), 'a')
    expect(h!.stack.gate.report().network.offline).toBe(false)
  })
})

describe('fault: Ollama stopped and restarted', () => {
  it('local prompts go to the cloud while Ollama is down, private ones get a clear error, and traffic returns after restart', async () => {
    await setup({ route: (prompt) => ({ tier: 'local', privacy: prompt.includes('@') }) })
    expectAnswered(await h!.run('hello'), 'ollama')
    await ollama.stop()

    const first = await h!.run('hello')
    expectAnswered(first, 'a')
    expect(first.result.hops).toMatchObject([{ endpoint: 'ollama', error: 'unavailable' }])
    expect(breaker('ollama')).toBe('open')

    for (const run of await many(5)) {
      expectAnswered(run, 'a')
      expect(run.result.hops).toEqual([])
      expect(run.result.decision).toMatchObject({ tier: 'cloud', pinned: 'health' })
    }
    const cloudBefore = chats(a)
    const secret = await h!.run('mail me at someone@example.com')
    expect(secret.result.phase).toBe('error')
    expect(secret.result.error).toMatch(/private data.*not sent to the cloud/)
    expect(secret.result.error).toMatch(/Ollama|failing/)
    expect(chats(a)).toBe(cloudBefore)

    await ollama.restart()
    clock.advance(COOLDOWN)
    const chatsBefore = ollamaChats()
    expectAnswered(await h!.run('hello'), 'ollama')
    expect(breaker('ollama')).toBe('closed')
    for (const run of await many(5)) expectAnswered(run, 'ollama')
    expect(ollamaChats()).toBe(chatsBefore + 6)
    expectAnswered(await h!.run('my address is someone@example.com'), 'ollama')
  })
})
