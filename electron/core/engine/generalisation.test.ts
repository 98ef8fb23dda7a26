import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../../shared/policy'
import { parseDataset } from './dataset'
import { evaluateRouter, type EvalReport } from './evaluate'
import { createRouter } from './router'
import { createStandardPillars, type StandardPillars } from './standard-pillars'

/**
 * Prompts written for this test, of kinds the development set does not hold (coding tasks,
 * reasoning puzzles, small talk, writing requests, everyday questions): the shipped default
 * policy must route them sensibly, not just the data it was calibrated on.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'generalisation.jsonl')

describe('generalisation to unseen kinds of prompts', () => {
  let standard: StandardPillars
  let report: EvalReport

  beforeAll(async () => {
    standard = await createStandardPillars({ policy: () => DEFAULT_POLICY, warmup: true })
    const router = createRouter({ policy: DEFAULT_POLICY, pillars: standard.pillars, combiner: standard.combiner })
    const items = parseDataset(readFileSync(FIXTURE, 'utf8'), { requireLabels: true })
    report = await evaluateRouter({ router, items, targetRecall: 0.95, pillars: [standard.rules] })
  }, 60_000)
  afterAll(() => standard?.dispose())

  it('ranks cloud-worthy prompts above local ones', () => {
    expect(report.n).toBe(70)
    expect(report.auroc!).toBeGreaterThanOrEqual(0.95)
  })

  it('routes most prompts of every kind to the right tier at the default threshold', () => {
    expect(report.atDefault.accuracy).toBeGreaterThanOrEqual(0.9)
    for (const [source, r] of Object.entries(report.bySource)) expect(r.accuracy, source).toBeGreaterThanOrEqual(0.8)
  })

  it('keeps all small talk local', () => {
    expect(report.bySource['held-out/small-talk']!.localShare).toBe(1)
  })
})

/**
 * Set B: 86 prompts (43 cloud, 43 local) written before the rules, clusters and composition
 * were retuned, and never looked at prompt by prompt while tuning (set A, tune-heldout.jsonl,
 * was the tuning set). Varied kinds and styles: code in several languages, pasted stack traces,
 * algorithms, system design, proofs, word problems, logic puzzles, planning, long pasted
 * documents, long-form writing, medicine/law/finance vs. small talk, trivia, definitions,
 * conversions, arithmetic, short edits and translations, short creative writing, lists, how-to.
 *
 * Measured with the shipped defaults when the set was first scored: AUROC 0.996 (rules alone
 * 0.991, semantic alone 0.867), at the default threshold cloud recall 0.791 (34/43), local
 * share 0.605, accuracy 0.895. The floors sit a little below, so a regression in how the router
 * generalises fails CI; raise them when it improves.
 */
const UNSEEN = join(import.meta.dirname, 'fixtures', 'unseen-heldout.jsonl')

describe('generalisation to an unseen held-out set (set B)', () => {
  let standard: StandardPillars
  let report: EvalReport

  beforeAll(async () => {
    standard = await createStandardPillars({ policy: () => DEFAULT_POLICY, warmup: true })
    const router = createRouter({ policy: DEFAULT_POLICY, pillars: standard.pillars, combiner: standard.combiner })
    const items = parseDataset(readFileSync(UNSEEN, 'utf8'), { requireLabels: true })
    const pillars = [standard.rules, ...(standard.semantic ? [standard.semantic] : [])]
    report = await evaluateRouter({ router, items, targetRecall: 0.95, pillars })
  }, 60_000)
  afterAll(() => standard?.dispose())

  it('holds a balanced set of 86 labelled prompts', () => {
    expect(report.n).toBe(86)
  })

  it('ranks cloud-worthy prompts above local ones', () => {
    expect(report.auroc!).toBeGreaterThanOrEqual(0.98)
    // Each pillar alone still ranks well: the semantic pillar sees intent the keyword lists miss.
    expect(report.pillars.rules!.auroc!).toBeGreaterThanOrEqual(0.97)
    expect(report.pillars.semantic!.auroc!).toBeGreaterThanOrEqual(0.83)
  })

  it('at the default threshold, sends most cloud-worthy prompts to the cloud and keeps half local', () => {
    expect(report.atDefault.threshold).toBe(DEFAULT_POLICY.threshold)
    expect(report.atDefault.cloudRecall!).toBeGreaterThanOrEqual(0.74)
    expect(report.atDefault.localShare).toBeGreaterThanOrEqual(0.55)
    expect(report.atDefault.accuracy).toBeGreaterThanOrEqual(0.85)
  })
})
