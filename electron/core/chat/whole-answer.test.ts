// A caller that wants the whole answer at once (the gateway's plain-JSON clients) gets the
// upstream's non-streamed answer: one JSON body, usage taken from it, one whole-answer
// deadline, and failover before any text as for a stream. Against the OpenAI protocol double.
// No case depends on how fast this machine is: healthy answers run under deadlines far longer
// than any loaded machine needs, and the one case that needs the deadline to pass gets a short
// one against an upstream that never answers, with a local fallback that keeps the long clocks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { splitTokens } from '../../../e2e/doubles/http-double'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import type { z } from 'zod'
import type { EndpointConfig } from '../../../shared/endpoints'
import type { Timeouts } from '../providers/registry'
import { cloudEndpoint, createHarness, FakeClock, ollamaEndpoint, type Harness } from '../../../test/support/chat-harness'

const KEY = 'sk-test-double'
const REPLY_A = 'Endpoint A says: a whole answer in one body.'
const REPLY_B = 'Endpoint B says: the fallback answered.'
// Per million tokens: 1 USD in, 2 USD out, so a recorded cost shows which token counts it used.
const PRICES = { 'model-a': { inputPerMTok: 1, outputPerMTok: 2 } }

const LOCAL_REPLY = 'Local says: the free fallback answered.'
/** Every clock long enough that a healthy loopback answer meets it however loaded the machine. */
const GENEROUS = 60_000
const GENEROUS_TIMEOUTS: Timeouts = {
  firstTokenMs: { local: GENEROUS, cloud: GENEROUS },
  idleMs: GENEROUS,
  answerMs: { local: GENEROUS, cloud: GENEROUS },
}

let ollama: OllamaDouble
let a: OpenAIDouble
let b: OpenAIDouble
let h: Harness

/** A harness routing to the cloud over `endpoints` (the Ollama double is always there). */
async function harness(endpoints: Array<z.input<typeof EndpointConfig>>, timeouts: Timeouts): Promise<Harness> {
  const made = createHarness({
    endpoints: [ollamaEndpoint(ollama.url), ...endpoints],
    keys: { a: KEY, b: KEY },
    route: { tier: 'cloud' },
    ollamaUrl: ollama.url,
    clock: new FakeClock(),
    timeouts,
  })
  await made.stack.registry.refreshLocal()
  return made
}

beforeEach(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => LOCAL_REPLY })
  a = await startOpenAIDouble({ apiKey: KEY, models: ['model-a'], reply: () => REPLY_A })
  b = await startOpenAIDouble({ apiKey: KEY, models: ['model-b'], reply: () => REPLY_B })
  h = await harness([cloudEndpoint('a', a.url, ['model-a'], PRICES), cloudEndpoint('b', b.url, ['model-b'])], GENEROUS_TIMEOUTS)
})

afterEach(async () => {
  h.close()
  await Promise.all([ollama.close(), a.close(), b.close()])
})

async function whole(prompt: string) {
  const tokens: string[] = []
  const result = await h.chat.generate({ prompt }, { whole: true, onToken: (t) => tokens.push(t) })
  return { result, tokens }
}

const chatBodies = (d: OpenAIDouble) => d.requestsTo('/v1/chat/completions').map((r) => r.body as Record<string, unknown>)

describe('whole answers for callers that show nothing before the end', () => {
  it('asks the upstream for a non-streamed answer and hands it over in one piece', async () => {
    const { result, tokens } = await whole('Explain recursion')
    expect(result.phase).toBe('done')
    expect(tokens).toEqual([REPLY_A])
    const [body] = chatBodies(a)
    expect(body).toMatchObject({ model: 'model-a', stream: false })
    expect(body).not.toHaveProperty('stream_options')
  })

  it('takes usage from the answer for cost and the outcome, and records no time to first token', async () => {
    const { result } = await whole('Explain recursion')
    const outcome = h.outcomes.at(-1)!
    // The double's own count, which differs from the chars/4 estimate used without usage.
    const completion = splitTokens(REPLY_A).length
    expect(completion).not.toBe(Math.ceil(REPLY_A.length / 4))
    expect(outcome).toMatchObject({ ok: true, ttftMs: null, outputTokens: completion })
    const expected = (outcome.inputTokens * 1 + completion * 2) / 1_000_000
    expect(outcome.costUsd).toBeCloseTo(expected, 12)
    expect(result.usage?.costUsd).toBeCloseTo(expected, 12)
    expect(h.stack.costs.spentToday()).toBeCloseTo(expected, 12)
    const stats = h.stack.health.health('a').stats
    expect(stats.samples).toBe(1)
    expect(stats.latencyMs).not.toBeNull()
    expect(stats.ttftMs).toBeNull()
  })

  it('fails over to the next arm when the first fails before answering', async () => {
    a.setFault({ kind: 'serverError', status: 503, times: 1 })
    const { result, tokens } = await whole('Explain recursion')
    expect(result).toMatchObject({ phase: 'done', servedBy: { endpoint: 'b' }, hops: [{ endpoint: 'a', error: 'unavailable' }] })
    expect(tokens).toEqual([REPLY_B])
    expect(chatBodies(b)[0]).toMatchObject({ stream: false })
  })

  it('gives up on an upstream that never answers at the whole-answer deadline, and fails over', async () => {
    // Only the cloud's whole-answer deadline is short, and the cloud arm never answers, so the
    // deadline passes whatever the load; the fallback is local, under the long clocks.
    h.close()
    h = await harness([cloudEndpoint('a', a.url, ['model-a'], PRICES)], { ...GENEROUS_TIMEOUTS, answerMs: { local: GENEROUS, cloud: 300 } })
    a.setFault({ kind: 'stall', times: 1 })
    const { result, tokens } = await whole('Explain recursion')
    expect(result).toMatchObject({ phase: 'done', servedBy: { endpoint: 'ollama' }, hops: [{ endpoint: 'a', error: 'timeout' }] })
    expect(result.hops[0]!.message).toMatch(/no answer within 0\.3 s/)
    expect(tokens.join('')).toBe(LOCAL_REPLY)
  })

  it('still streams from the upstream when the caller did not ask for the whole answer', async () => {
    const tokens: string[] = []
    const result = await h.chat.generate({ prompt: 'Explain recursion' }, { onToken: (t) => tokens.push(t) })
    expect(result.phase).toBe('done')
    expect(tokens.join('')).toBe(REPLY_A)
    expect(chatBodies(a)[0]).toMatchObject({ stream: true })
  })
})
