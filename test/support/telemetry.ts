// Test support for telemetry: outcomes and rows with known figures. Not imported by the product.
import type { Decision, Tier } from '../../shared/decision'
import type { Hop } from '../../shared/health'
import type { ChatOutcome } from '../../electron/core/chat/outcome'
import type { NewRow } from '../../electron/core/telemetry/row'

export function decisionOf(tier: Tier, over: Partial<Decision> = {}): Decision {
  return {
    id: `d-${Math.random().toString(36).slice(2)}`,
    tier,
    model: tier === 'local' ? 'llama3.2:1b' : 'gpt-4o-mini',
    endpoint: tier === 'local' ? 'ollama' : 'cloud',
    complexity: tier === 'local' ? 20 : 80,
    threshold: 65,
    explanation: `Routing to ${tier}.`,
    pinned: null,
    trace: [
      { pillar: 'rules', status: 'scored', score: 30, confidence: 0.6, reason: 'short prompt', ms: 0.1 },
      { pillar: 'semantic', status: 'abstained', score: null, confidence: 0, reason: 'model not loaded', ms: 0.2 },
    ],
    ms: 1,
    tokens: 12,
    ...over,
  }
}

export function outcomeOf(over: Partial<ChatOutcome> & { tier?: Tier } = {}): ChatOutcome {
  const { tier = 'local', ...rest } = over
  const decision = rest.decision ?? decisionOf(tier)
  return {
    requestId: `r-${Math.random().toString(36).slice(2)}`,
    decision,
    ok: true,
    aborted: false,
    ttftMs: 50,
    totalMs: 400,
    inputTokens: 12,
    outputTokens: 30,
    servedBy: { tier, endpoint: decision.endpoint ?? 'ollama', model: decision.model ?? 'm' },
    hops: [],
    costUsd: 0,
    ...rest,
  }
}

export function hop(endpoint: string, model: string, error: Hop['error'], tier: Tier = 'cloud', message = `${endpoint} failed`): Hop {
  return { endpoint, model, tier, error, message }
}

/** A row as the bench and retention tests insert it (no outcome needed). */
export function rowOf(i: number, ts: number, over: Partial<NewRow> = {}): NewRow {
  const local = i % 4 !== 0
  const outcome = i % 50 === 0 ? 'error' : i % 97 === 0 ? 'aborted' : 'ok'
  return {
    requestId: `req-${i}`,
    ts,
    decisionId: `dec-${i}`,
    tier: local ? 'local' : 'cloud',
    pinned: null,
    complexity: (i * 37) % 100,
    threshold: 65,
    pillars: [
      { pillar: 'rules', status: 'scored', score: (i * 13) % 100 },
      { pillar: 'semantic', status: 'scored', score: (i * 7) % 100 },
    ],
    servedTier: local ? 'local' : 'cloud',
    endpoint: local ? 'ollama' : 'cloud',
    model: local ? 'llama3.2:1b' : 'gpt-4o-mini',
    hops: 0,
    hopErrors: [],
    outcome,
    errorClass: outcome === 'error' ? 'timeout' : null,
    ttftMs: outcome === 'ok' ? 20 + (i % 200) : null,
    totalMs: 100 + (i % 1000),
    inputTokens: 10 + (i % 90),
    outputTokens: 50 + (i % 400),
    costUsd: local ? 0 : 0.0001 * (1 + (i % 5)),
    ...over,
  }
}
