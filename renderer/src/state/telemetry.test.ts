import { describe, expect, it } from 'vitest'
import type { TelemetryRow, TelemetrySummary } from '../../../shared/telemetry'
import { initialRun, type RunState } from './dashboard'
import {
  armLabel,
  canRate,
  endsGeneration,
  feedbackFor,
  feedbackReducer,
  formatShare,
  initialFeedback,
  initialTelemetry,
  outcomeLabel,
  telemetryReducer,
  tierLabel,
  type FeedbackAction,
  type TelemetryAction,
  type TelemetryState,
} from './telemetry'

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
const err = { message: 'boom', code: 'internal' as const, details: [], hint: null }
const run = (...actions: TelemetryAction[]): TelemetryState => actions.reduce(telemetryReducer, initialTelemetry)

describe('telemetry reducer', () => {
  it('a load: loading, then the summary and rows', () => {
    const s = run({ type: 'telemetry/requested', seq: 1 }, { type: 'telemetry/succeeded', seq: 1, summary: summary(), rows: [row('a')], at: 5 })
    expect(s).toMatchObject({ loading: false, error: null, loadedAt: 5, seq: 1 })
    expect(s.rows.map((r) => r.requestId)).toEqual(['a'])
  })

  it('drops the answer of an older load that arrives after a newer one', () => {
    const s = run(
      { type: 'telemetry/requested', seq: 1 },
      { type: 'telemetry/requested', seq: 2 },
      { type: 'telemetry/succeeded', seq: 2, summary: summary({ requests: 3 }), rows: [], at: 2 },
      { type: 'telemetry/succeeded', seq: 1, summary: summary({ requests: 1 }), rows: [], at: 1 },
      { type: 'telemetry/failed', seq: 1, error: err },
    )
    expect(s.summary?.requests).toBe(3)
    expect(s.error).toBeNull()
  })

  it('a failure keeps the last figures and says why', () => {
    const s = run(
      { type: 'telemetry/requested', seq: 1 },
      { type: 'telemetry/succeeded', seq: 1, summary: summary(), rows: [row('a')], at: 1 },
      { type: 'telemetry/requested', seq: 2 },
      { type: 'telemetry/failed', seq: 2, error: err },
    )
    expect(s).toMatchObject({ loading: false, error: err })
    expect(s.rows).toHaveLength(1)
  })

  it('a rating shows at once in the row and the counts; a change moves the vote', () => {
    const loaded = run({ type: 'telemetry/requested', seq: 1 }, { type: 'telemetry/succeeded', seq: 1, summary: summary({ feedback: { up: 4, down: 1 } }), rows: [row('a'), row('b')], at: 1 })
    const up = telemetryReducer(loaded, { type: 'telemetry/rated', requestId: 'a', rating: 'up' })
    expect(up.rows[0]!.feedback).toBe('up')
    expect(up.summary?.feedback).toEqual({ up: 5, down: 1 })
    expect(telemetryReducer(up, { type: 'telemetry/rated', requestId: 'a', rating: 'up' })).toBe(up)
    const down = telemetryReducer(up, { type: 'telemetry/rated', requestId: 'a', rating: 'down' })
    expect(down.summary?.feedback).toEqual({ up: 4, down: 2 })
    // A request not in the table: nothing to patch, the next load brings it.
    expect(telemetryReducer(down, { type: 'telemetry/rated', requestId: 'zzz', rating: 'up' })).toBe(down)
  })

  it('reloads when a generation ends, not on its intermediate phases', () => {
    expect(['done', 'error', 'aborted'].every((phase) => endsGeneration({ requestId: 'r', phase } as never))).toBe(true)
    expect(['analyzing', 'routing', 'generating'].some((phase) => endsGeneration({ requestId: 'r', phase } as never))).toBe(false)
  })
})

describe('feedback reducer', () => {
  const fb = (...actions: FeedbackAction[]) => actions.reduce(feedbackReducer, initialFeedback)

  it('sending, then saved; the view belongs to that answer only', () => {
    const sending = fb({ type: 'feedback/sending', requestId: 'r1', rating: 'up' })
    expect(feedbackFor(sending, 'r1')).toEqual({ rating: null, pending: 'up', error: null })
    const saved = feedbackReducer(sending, { type: 'feedback/sent', requestId: 'r1', rating: 'up' })
    expect(feedbackFor(saved, 'r1')).toEqual({ rating: 'up', pending: null, error: null })
    expect(feedbackFor(saved, 'r2')).toEqual({ rating: null, pending: null, error: null })
    expect(feedbackFor(saved, null).rating).toBeNull()
  })

  it('a failure keeps the previous rating and shows the error; a new answer starts fresh', () => {
    const s = fb(
      { type: 'feedback/sending', requestId: 'r1', rating: 'up' },
      { type: 'feedback/sent', requestId: 'r1', rating: 'up' },
      { type: 'feedback/sending', requestId: 'r1', rating: 'down' },
      { type: 'feedback/failed', requestId: 'r1', error: err },
    )
    expect(feedbackFor(s, 'r1')).toEqual({ rating: 'up', pending: null, error: err })
    const next = feedbackReducer(s, { type: 'feedback/sending', requestId: 'r2', rating: 'down' })
    expect(feedbackFor(next, 'r2')).toEqual({ rating: null, pending: 'down', error: null })
    // A late answer for the earlier request changes nothing.
    expect(feedbackReducer(next, { type: 'feedback/sent', requestId: 'r1', rating: 'down' })).toBe(next)
    expect(feedbackReducer(next, { type: 'feedback/failed', requestId: 'r1', error: err })).toBe(next)
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
