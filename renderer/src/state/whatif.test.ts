import { describe, expect, it } from 'vitest'
import { outcomeMetrics } from '../../../shared/outcome-metrics'
import { Policy } from '../../../shared/policy'
import { outcomeFigures, parsePrompts, priceFromPolicy, tierAt, whatIf, type Routed } from './whatif'

const routed = (
  complexity: number,
  label: 'local' | 'cloud' | null = null,
  pinned: Routed['decision']['pinned'] = null,
  outcome: Routed['item']['outcome'] = null,
): Routed => ({
  item: { prompt: `p${complexity}`, label, outcome },
  decision: { tier: pinned ? 'local' : complexity > 65 ? 'cloud' : 'local', complexity, pinned, tokens: 100, threshold: 65 },
})
const price = { inputPerMTok: 2, outputPerMTok: 10, outputTokens: 100 }

describe('what-if', () => {
  it('reads one prompt per line and JSONL with labels; skips blanks and bad JSON lines', () => {
    const { items, skipped } = parsePrompts('hello\n\n{"prompt":"prove it","label":"cloud"}\r\n{"prompt":""}\n{broken\n  spaced out  \n')
    expect(items).toEqual([
      { prompt: 'hello', label: null, outcome: null },
      { prompt: 'prove it', label: 'cloud', outcome: null },
      { prompt: 'spaced out', label: null, outcome: null },
    ])
    expect(skipped).toBe(2)
  })

  it('re-splits by threshold like the router; pinned prompts keep their tier', () => {
    expect(tierAt(routed(40).decision, 30)).toBe('cloud')
    expect(tierAt(routed(40).decision, 40)).toBe('local') // at the threshold is not above it
    expect(tierAt(routed(90, null, 'privacy').decision, 0)).toBe('local')
    // The cloud being down right now is not a property of the prompt: the threshold decides.
    expect(tierAt(routed(90, null, 'health').decision, 50)).toBe('cloud')
  })

  it('the split, cost against all-cloud and label agreement follow the threshold', () => {
    const batch = [routed(10, 'local'), routed(50, 'local'), routed(70, 'cloud'), routed(95, 'cloud', 'privacy')]
    const each = (100 * 2 + 100 * 10) / 1e6
    const at60 = whatIf(batch, 60, price)
    expect(at60).toMatchObject({ n: 4, local: 3, cloud: 1, localShare: 0.75, labelled: 4, accuracy: 0.75, cloudRecall: 0.5 })
    expect(at60.allCloudUsd).toBeCloseTo(4 * each)
    expect(at60.routedUsd).toBeCloseTo(each)
    expect(at60.savedShare).toBeCloseTo(0.75)
    const at0 = whatIf(batch, 0, price)
    expect(at0).toMatchObject({ local: 1, cloud: 3, accuracy: 0.25 }) // the pinned one stays local
    expect(whatIf([], 50, price)).toMatchObject({ n: 0, localShare: null, savedShare: null, accuracy: null })
  })

  it('reads strong/weak outcomes from JSONL; an outcome out of 0–1 is no outcome', () => {
    const { items } = parsePrompts('{"prompt":"a","strong":1,"weak":0}\n{"prompt":"b","strong":2,"weak":0}\n{"prompt":"c","strong":1}')
    expect(items.map((i) => i.outcome)).toEqual([{ strong: 1, weak: 0 }, null, null])
  })

  it("with outcomes: the index's APGR (the shared metric) and the quality of the split at the threshold", () => {
    // The index ranks the two prompts only the strong model gets right highest.
    const batch = [
      routed(10, null, null, { strong: 1, weak: 1 }),
      routed(30, null, null, { strong: 0, weak: 0 }),
      routed(70, null, null, { strong: 1, weak: 0 }),
      routed(90, null, null, { strong: 1, weak: 0 }),
      routed(50), // no outcome: left out
    ]
    const at60 = outcomeFigures(batch, 60)!
    expect(at60.n).toBe(4)
    expect(at60.apgr).toBeCloseTo(outcomeMetrics(batch.slice(0, 4).map((r) => ({ score: r.decision.complexity, ...r.item.outcome! }))).apgr)
    expect(at60.apgr).toBeGreaterThan(0.5)
    expect(at60).toMatchObject({ strongAccuracy: 75, weakAccuracy: 25, accuracyAt: 75, gapRecoveredAt: 1 })
    expect(outcomeFigures(batch, 95)).toMatchObject({ accuracyAt: 25, gapRecoveredAt: 0 }) // everything local
    expect(outcomeFigures([routed(10)], 50)).toBeNull()
  })

  it("prices the batch with the policy's simulation baseline, not constants", () => {
    const policy = Policy.parse({ version: 1, simulation: { cloudPrice: { inputPerMTok: 3, outputPerMTok: 15 }, assumedOutputTokens: 500 } })
    expect(priceFromPolicy(policy)).toEqual({ inputPerMTok: 3, outputPerMTok: 15, outputTokens: 500 })
    expect(priceFromPolicy({})).toBeNull()
    expect(priceFromPolicy(null)).toBeNull()
  })
})
