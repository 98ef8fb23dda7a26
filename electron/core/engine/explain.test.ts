import { describe, expect, it } from 'vitest'
import type { PillarId, PillarVerdict } from '../../../shared/decision'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { composeIndex } from './compose'
import { explain, type ExplanationInput } from './explain'

const v = (pillar: PillarId, score: number, confidence: number, reason: string): PillarVerdict => ({
  pillar,
  status: 'scored',
  score,
  confidence,
  reason,
  ms: 0,
})

function input(trace: PillarVerdict[], over: Partial<ExplanationInput> = {}): ExplanationInput {
  const index = composeIndex(trace, DEFAULT_POLICY)
  const complexity = index?.index ?? 0
  const tier = complexity > DEFAULT_POLICY.threshold ? 'cloud' : 'local'
  return {
    tier,
    pinned: null,
    complexity,
    threshold: DEFAULT_POLICY.threshold,
    index,
    arm: null,
    gate: null,
    requested: null,
    healthNote: null,
    chosenBeforeHealth: tier,
    trace,
    skipped: [],
    ...over,
  }
}

describe('explain', () => {
  it('says which way each scoring pillar leans and how much of the weight it carries', () => {
    const text = explain(input([v('rules', 20, 0.35, '12 tokens; no complexity triggers'), v('semantic', 30, 0.7, 'nearest "Small talk"')]))
    const lines = text.split('\n')
    expect(lines[0]).toBe('Complexity index (26%) is within Edge threshold (65%). Routing to Local (no local model is available).')
    expect(lines[1]).toBe('- Rules (score 20, leans Local, 33% of the weight): 12 tokens; no complexity triggers')
    expect(lines[2]).toBe('- Semantic (score 30, leans Local, 67% of the weight): nearest "Small talk"')
    expect(text).not.toContain('disagree')
  })

  it('says when the pillars disagree and which side was surer, before the bandit line', () => {
    const bandit: PillarVerdict = { pillar: 'bandit', status: 'scored', score: null, confidence: 1, reason: 'gpt-x is the only cloud model', ms: 0 }
    const e = input([v('rules', 45, 0.55, 'legal question (+20)'), v('semantic', 92, 0.8, 'nearest "Medical, legal and financial questions"'), bandit])
    expect(e.tier).toBe('cloud')
    const lines = explain(e).split('\n')
    expect(lines[1]).toContain('Rules (score 45, leans Local')
    expect(lines[2]).toContain('Semantic (score 92, leans Cloud')
    expect(lines[3]).toBe(
      '- Pillars disagree: Semantic leans Cloud, Rules leans Local; pooling their log-odds weighted by confidence, the Cloud side is surer.',
    )
    expect(lines[4]).toBe('- Bandit: gpt-x is the only cloud model')
  })

  it('does not call a pinned decision a disagreement', () => {
    const trace = [v('rules', 80, 0.9, 'Privacy pin'), v('semantic', 20, 0.9, 'nearest "Small talk"')]
    const text = explain(
      input(trace, {
        pinned: 'privacy',
        tier: 'local',
        chosenBeforeHealth: 'local',
        gate: { ...trace[0]!, status: 'short-circuit', tier: 'local', pin: 'privacy', detail: { gate: 'The prompt contains an API key.' } },
      }),
    )
    expect(text).toMatch(/^Pinned to Local for privacy: the prompt contains an API key/)
    expect(text).not.toContain('disagree')
  })
})
