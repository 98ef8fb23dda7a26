import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { ContractError } from '../../../shared/client'
import type { Output } from '../../../shared/contract'
import { dispatch } from '../lib/contract-dispatch'
import { createHandlers } from '../handlers'
import { MemoryKeyStore } from '../../../test/support/memory-key-store'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { createBandit } from '../pillars/bandit'
import { createServices, type Services } from '../services'
import { TELEMETRY_FILE, TelemetryStore } from './store'
import { outcomeOf } from '../../../test/support/telemetry'

/** telemetry.summary, telemetry.recent and feedback.submit through the contract's one gate. */
describe('telemetry and feedback channels via dispatch', () => {
  let store: TelemetryStore
  const record = vi.fn()
  let handlers: ReturnType<typeof createHandlers>

  beforeEach(() => {
    store = new TelemetryStore({ dataDir: null })
    record.mockClear()
    handlers = createHandlers({ telemetry: store, router: { record } } as unknown as Services)
  })
  afterEach(() => store.close())

  it('telemetry.summary: totals and shares, validated against the contract, with an optional window', async () => {
    store.record(outcomeOf({ requestId: 'a' }))
    store.record(outcomeOf({ requestId: 'b', tier: 'cloud', costUsd: 0.02 }))
    const summary = (await dispatch(handlers, 'telemetry.summary', {})) as Output<'telemetry.summary'>
    expect(summary).toMatchObject({ requests: 2, localShare: 0.5, cloudShare: 0.5, errorRate: 0, costUsd: 0.02 })
    expect(await dispatch(handlers, 'telemetry.summary', { windowHours: 24 })).toMatchObject({ windowHours: 24, requests: 2 })
    await expect(dispatch(handlers, 'telemetry.summary', { windowHours: -1 })).rejects.toMatchObject({ code: 'invalid-input' })
  })

  it('telemetry.recent: rows without any text, limit ≤ 200', async () => {
    store.record(outcomeOf({ requestId: 'a' }))
    const { rows } = (await dispatch(handlers, 'telemetry.recent', { limit: 10 })) as Output<'telemetry.recent'>
    expect(rows.map((r) => r.requestId)).toEqual(['a'])
    expect(Object.keys(rows[0]!)).not.toEqual(expect.arrayContaining(['prompt']))
    for (const key of Object.keys(rows[0]!)) expect(key).not.toMatch(/prompt|answer|text|explanation|reason|message/i)
    await expect(dispatch(handlers, 'telemetry.recent', { limit: 201 })).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(dispatch(handlers, 'telemetry.recent', { limit: 0 })).rejects.toMatchObject({ code: 'invalid-input' })
    expect(await dispatch(handlers, 'telemetry.recent', {})).toMatchObject({ rows: [{ requestId: 'a' }] })
  })

  it('feedback.submit: stores the rating and teaches the bandit for the arm that answered', async () => {
    store.record(outcomeOf({ requestId: 'r1', servedBy: { tier: 'local', endpoint: 'ollama', model: 'llama3.2:1b' } }))
    expect(await dispatch(handlers, 'feedback.submit', { requestId: 'r1', rating: 'up' })).toEqual({
      requestId: 'r1',
      rating: 'up',
      previous: null,
      learned: true,
    })
    expect(record).toHaveBeenCalledTimes(1)
    expect(record).toHaveBeenCalledWith({ arm: { endpoint: 'ollama', model: 'llama3.2:1b' }, feedback: 'up' })
    expect(store.get('r1')?.feedback).toBe('up')
    // The same rating again: nothing new to learn.
    expect(await dispatch(handlers, 'feedback.submit', { requestId: 'r1', rating: 'up' })).toMatchObject({ previous: 'up', learned: false })
    expect(record).toHaveBeenCalledTimes(1)
    // A change of mind is a new vote.
    expect(await dispatch(handlers, 'feedback.submit', { requestId: 'r1', rating: 'down' })).toMatchObject({ previous: 'up', learned: true })
    expect(record).toHaveBeenLastCalledWith({ arm: { endpoint: 'ollama', model: 'llama3.2:1b' }, feedback: 'down' })
    expect((await dispatch(handlers, 'telemetry.summary', {})) as Output<'telemetry.summary'>).toMatchObject({ feedback: { up: 0, down: 1 } })
  })

  it('feedback.submit: an unknown request id is not-found; a request no arm answered is stored but teaches nothing', async () => {
    const error = await dispatch(handlers, 'feedback.submit', { requestId: 'never-ran', rating: 'up' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContractError)
    expect((error as ContractError).code).toBe('not-found')
    store.record(outcomeOf({ requestId: 'no-arm', ok: false, servedBy: null }))
    expect(await dispatch(handlers, 'feedback.submit', { requestId: 'no-arm', rating: 'down' })).toMatchObject({ learned: false })
    expect(record).not.toHaveBeenCalled()
  })

  it('feedback.submit: bad ratings and ids are refused before the handler', async () => {
    await expect(dispatch(handlers, 'feedback.submit', { requestId: 'r1', rating: 'meh' })).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(dispatch(handlers, 'feedback.submit', { requestId: '', rating: 'up' })).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(dispatch(handlers, 'feedback.submit', { rating: 'up' })).rejects.toMatchObject({ code: 'invalid-input' })
  })
})

/** The hosts' wiring: every ChatOutcome is recorded, feedback reaches the real bandit, no text on disk. */
describe('telemetry through createServices and the Ollama double', () => {
  const CANARY = 'CANARY-3c94d1-violet-walrus'
  const ANSWER_CANARY = 'ANSWER-CANARY-88a2f0'
  let ollama: OllamaDouble
  let dataDir: string
  let services: Services
  let closed = false

  beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: (req) => `${ANSWER_CANARY}: you said ${req.messages?.at(-1)?.content ?? ''}` })
    dataDir = mkdtempSync(join(tmpdir(), 'routellm-telemetry-services-'))
    services = await createServices({ host: 'headless', dataDir, keyStore: new MemoryKeyStore(), env: { OLLAMA_HOST: ollama.url } })
    await services.providers.registry.refreshLocal() // the local model list, as the hosts' first health check loads it
  })
  afterAll(async () => {
    if (!closed) await services?.close()
    await ollama?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const telemetryFiles = () => readdirSync(dataDir).filter((f) => f.startsWith(TELEMETRY_FILE))
  const leaks = () =>
    telemetryFiles().filter((f) => {
      const bytes = readFileSync(join(dataDir, f))
      return bytes.includes(CANARY) || bytes.includes(ANSWER_CANARY)
    })

  it('records the generation, feeds a thumbs up to the bandit, and stores neither prompt nor answer', async () => {
    const handlers = createHandlers(services)
    const result = await services.chat.generate({ prompt: `hello there, my secret word is ${CANARY}` })
    expect(result.error ?? '').toBe('')
    expect(result.phase).toBe('done')
    const { rows } = (await dispatch(handlers, 'telemetry.recent', { limit: 5 })) as Output<'telemetry.recent'>
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ requestId: result.requestId, outcome: 'ok', endpoint: 'ollama', model: 'llama3.2:1b', servedTier: 'local', feedback: null })
    expect(rows[0]!.totalMs).toBeGreaterThan(0)
    expect(rows[0]!.outputTokens).toBeGreaterThan(0)
    expect(JSON.stringify(rows)).not.toContain(CANARY)

    expect(await dispatch(handlers, 'feedback.submit', { requestId: result.requestId, rating: 'up' })).toMatchObject({ learned: true })
    expect(await dispatch(handlers, 'telemetry.summary', {})).toMatchObject({ requests: 1, localShare: 1, feedback: { up: 1, down: 0 } })

    expect(telemetryFiles()).toContain(TELEMETRY_FILE)
    expect(leaks()).toEqual([])
    // Let the semantic model finish loading first: closing mid-load only makes noise.
    await (services.router as unknown as { standard: { semantic?: { warmup(): Promise<unknown> } } }).standard.semantic?.warmup()
    closed = true
    await services.close()
    expect(leaks()).toEqual([])
    // The bandit saved the vote for the arm that answered.
    const bandit = createBandit({ dataDir, policy: () => DEFAULT_POLICY.bandit })
    expect(bandit.stats().find((a) => a.endpoint === 'ollama' && a.model === 'llama3.2:1b')?.feedbackUp).toBe(1)
    await bandit.close()
  })
})
