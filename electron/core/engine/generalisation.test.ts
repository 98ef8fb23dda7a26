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
    const router = createRouter({ policy: DEFAULT_POLICY, pillars: standard.pillars })
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
