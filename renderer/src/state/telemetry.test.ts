import { describe, expect, it } from 'vitest'
import { ContractError, type ContractClient } from '../../../shared/client'
import type { TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'
import { initialRun, type RunState } from './dashboard'
import { armLabel, canRate, endsGeneration, feedbackFor, formatShare, initialFeedback, outcomeLabel, tierLabel, withRating, submitRating } from './telemetry'

const tier = { requests: 0, errors: 0, latencyMs: null, ttftMs: null, costUsd: 0 }
const summary = (over: Partial<TelemetrySummary> = {}): TelemetrySummary => ({
  windowHours: 24,
  since: null,
  requests: 2,
  ok: 2,
  errors: 0,
  aborted: 0,
  localShare: 1,
  cloudShare: 0,
  errorRate: 0,
  tiers: { local: { ...tier, requests: 2, latencyMs: { p50: 100, p95: 200 }, ttftMs: { p50: 10, p95: 20 } }, cloud: tier },
  costUsd: 0,
  tokens: { input: 1, output: 2 },
  feedback: { up: 0, down: 0 },
  endpoints: [],
  ...over,
})
const row = (requestId: string, over: Partial<TelemetryRow> = {}): TelemetryRow => ({
  requestId,
  at: '2026-01-15T12:00:00.000Z',
  decisionId: 'd',
  tier: 'local',
  pinned: null,
  complexity: 20,
  threshold: 65,
  pillars: [],
  servedTier: 'local',
  endpoint: 'ollama',
  model: 'llama3.2:1b',
  hops: 0,
  hopErrors: [],
  outcome: 'ok',
  errorClass: null,
  ttftMs: 10,
  totalMs: 100,
  inputTokens: 1,
  outputTokens: 2,
  costUsd: 0,
  feedback: null,
  cluster: null,
  retryOf: null,
  retriedBy: null,
  ...over,
})

describe('telemetry helpers', () => {
  it('a rating shows at once in the row and the counts; a change moves the vote; confirmed data is not counted twice', () => {
    const rows = [row('a'), row('b')]
    const base = summary({ feedback: { up: 4, down: 1 } })
    const up = withRating(base, rows, { requestId: 'a', rating: 'up' })
    expect(up.rows[0]!.feedback).toBe('up')
    expect(up.summary?.feedback).toEqual({ up: 5, down: 1 })
    // The reload brings the stored vote: nothing moves again.
    const confirmed = withRating(up.summary, up.rows, { requestId: 'a', rating: 'up' })
    expect(confirmed.summary).toBe(up.summary)
    const down = withRating(up.summary, up.rows, { requestId: 'a', rating: 'down' })
    expect(down.summary?.feedback).toEqual({ up: 4, down: 2 })
    // A request not in the table: nothing to patch, the next load brings it.
    expect(withRating(base, rows, { requestId: 'zzz', rating: 'up' }).summary).toBe(base)
    expect(withRating(base, rows, null).rows).toBe(rows)
  })

  it('reloads when a generation ends, not on its intermediate phases', () => {
    expect(['done', 'error', 'aborted'].every((phase) => endsGeneration({ requestId: 'r', phase } as never))).toBe(true)
    expect(['analyzing', 'routing', 'generating'].some((phase) => endsGeneration({ requestId: 'r', phase } as never))).toBe(false)
  })
})

describe('thumbs up / down', () => {
  const answers = (...outcomes: Array<Error | null>) => {
    const sent: unknown[] = []
    const client = {
      call: (async (_channel: string, input: unknown) => {
        sent.push(input)
        const outcome = outcomes.shift()
        if (outcome) throw outcome
        return { stored: true }
      }) as ContractClient['call'],
    }
    return { client, sent }
  }

  it('a stored rating belongs to that answer only', async () => {
    const { client, sent } = answers(null)
    const saved = await submitRating(client, initialFeedback, { requestId: 'r1', rating: 'up' })
    expect(sent).toEqual([{ requestId: 'r1', rating: 'up' }])
    expect(feedbackFor(saved, 'r1')).toEqual({ rating: 'up', error: null })
    expect(feedbackFor(saved, 'r2')).toEqual({ rating: null, error: null })
    expect(feedbackFor(saved, null).rating).toBeNull()
  })

  it('a refused change keeps the previous rating and shows the error; another answer starts fresh', async () => {
    const { client } = answers(null, new ContractError('engine down', 'unavailable'), new ContractError('engine down', 'unavailable'))
    const up = await submitRating(client, initialFeedback, { requestId: 'r1', rating: 'up' })
    const refused = await submitRating(client, up, { requestId: 'r1', rating: 'down' })
    expect(feedbackFor(refused, 'r1')).toMatchObject({ rating: 'up', error: { message: 'engine down' } })
    const other = await submitRating(client, refused, { requestId: 'r2', rating: 'down' })
    expect(feedbackFor(other, 'r2')).toMatchObject({ rating: null, error: { message: 'engine down' } })
  })

  it('thumbs are offered for an ended generation with an answer', () => {
    const r = (over: Partial<RunState>): RunState => ({ ...initialRun, mode: 'run', requestId: 'r', ...over })
    expect(canRate(r({ phase: 'done' }))).toBe(true)
    expect(canRate(r({ phase: 'generating', answer: 'partial' }))).toBe(false)
    expect(canRate(r({ phase: 'error', answer: '' }))).toBe(false)
    expect(canRate(r({ phase: 'error', answer: 'cut off' }))).toBe(true)
    expect(canRate(r({ phase: 'aborted', answer: 'half' }))).toBe(true)
    expect(canRate(r({ phase: 'done', requestId: null }))).toBe(false)
    expect(canRate({ ...initialRun, mode: 'simulate', phase: 'simulated' })).toBe(false)
  })
})

describe('formatting', () => {
  it('shares, outcomes, tiers and arms', () => {
    expect([null, 0, 0.004, 0.5, 0.996, 1].map(formatShare)).toEqual(['—', '0%', '<1%', '50%', '>99%', '100%'])
    expect(outcomeLabel({ outcome: 'ok', errorClass: null })).toBe('ok')
    expect(outcomeLabel({ outcome: 'aborted', errorClass: null })).toBe('stopped')
    expect(outcomeLabel({ outcome: 'error', errorClass: 'timeout' })).toBe('error · timeout')
    expect(tierLabel({ tier: 'cloud', servedTier: 'local' })).toBe('cloud → local')
    expect(tierLabel({ tier: 'local', servedTier: null })).toBe('local')
    expect(armLabel({ endpoint: null, model: null })).toBe('—')
    expect(armLabel({ endpoint: 'ollama', model: 'llama3.2:1b' })).toBe('ollama · llama3.2:1b')
  })
})
