import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError, type CliContext } from './command'
import { engineCommands } from './index'
import { describeCrossValidated } from './eval'
import { captureIo } from '../../../test/support/cli-io'

const command = (name: string) => engineCommands.find((c) => c.name === name)!

async function run(name: string, args: string[], home = mkdtempSync(join(tmpdir(), 'routellm-cli-'))) {
  const { captured, ...io } = captureIo()
  const ctx: CliContext = { ...io, args, env: { ROUTELLM_HOME: home } }
  const code = await command(name).run(ctx)
  return { code, ...captured, home }
}

/** Prompts written for this test with made-up outcomes: the weak model fails the long multi-step ones. */
function outcomeFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'routellm-data-')), 'outcomes.jsonl')
  const rows = [
    { prompt: 'What colour is the sky on a clear day?', strong: 1, weak: 1, source: 'facts' },
    { prompt: 'Name the capital of Italy.', strong: 1, weak: 1, source: 'facts' },
    { prompt: 'Which planet is known as the red planet?', strong: 1, weak: 1, source: 'facts' },
    { prompt: 'How many legs does a spider have?', strong: 1, weak: 0, source: 'facts' },
    {
      prompt: 'A train leaves at 09:40 and travels 210 km at 84 km/h, then waits 25 minutes and travels 96 km at 64 km/h. At what time does it arrive?',
      strong: 1,
      weak: 0,
      source: 'maths',
    },
    {
      prompt: 'If 3 pencils cost 1.35 dollars and 4 pens cost 5.20 dollars, how much do 7 pencils and 2 pens cost together?',
      strong: 1,
      weak: 0,
      source: 'maths',
    },
    { prompt: 'Tom has 12 apples, gives a third to Ann and half of the rest to Bob. How many does he keep?', strong: 1, weak: 1, source: 'maths' },
    { prompt: 'A rectangle is 3 times as long as it is wide and its perimeter is 96 cm. What is its area?', strong: 0, weak: 0, source: 'maths' },
  ]
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'))
  return file
}

describe('routellm eval on outcome data', () => {
  it('reports APGR, AUC and CPT for the index, a random router and prompt length, with the curve, as JSON', async () => {
    const { code, out } = await run('eval', ['--data', outcomeFile(), '--json', '--no-semantic'])
    expect(code).toBe(0)
    const report = JSON.parse(out)
    expect(report.n).toBe(8)
    for (const router of ['router', 'random', 'length']) {
      expect(report[router]).toMatchObject({
        apgr: expect.any(Number),
        auc: expect.any(Number),
        cpt20: expect.any(Number),
        cpt50: expect.any(Number),
        cpt80: expect.any(Number),
      })
      expect(report[router].curve).toHaveLength(11)
    }
    expect(report.router.strongAccuracy).toBe(87.5)
    expect(report.router.weakAccuracy).toBe(50)
    // The curve runs from the weak model alone (0 % strong calls) to the strong model alone.
    expect(report.router.curve[0]).toMatchObject({ strongPercent: 0, accuracy: 50 })
    expect(report.router.curve.at(-1)).toMatchObject({ strongPercent: 100, accuracy: 87.5 })
    expect(Object.keys(report.bySource).sort()).toEqual(['facts', 'maths'])
  }, 30_000)

  it('prints the metrics and the quality/cost table in text', async () => {
    const { out } = await run('eval', ['--data', outcomeFile(), '--no-semantic'])
    expect(out).toMatch(/APGR/)
    expect(out).toMatch(/^ {2}random {3}APGR/m)
    expect(out).toMatch(/quality\/cost curve/)
    expect(out).toMatch(/100\.00% -> 87\.50%/)
  }, 30_000)

  it('names the line of an outcome that is not a number', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'routellm-data-')), 'bad.jsonl')
    writeFileSync(file, '{"prompt":"a","strong":1,"weak":0}\n{"prompt":"b","strong":"yes","weak":0}\n')
    await expect(run('eval', ['--data', file, '--no-semantic'])).rejects.toThrow(/line 2/)
  })
})

describe('routellm calibrate --cloud-share', () => {
  it('writes the threshold that sends the asked share of the prompts to the cloud', async () => {
    const home = mkdtempSync(join(tmpdir(), 'routellm-cli-'))
    const { code, out } = await run('calibrate', ['--data', outcomeFile(), '--cloud-share', '0.25', '--no-semantic', '--json'], home)
    expect(code).toBe(0)
    const result = JSON.parse(out)
    expect(result).toMatchObject({ n: 8, targetShare: 0.25, cloudShare: 0.25 })
    expect(JSON.parse(readFileSync(join(home, 'threshold-override.json'), 'utf8')).patch.threshold).toBe(result.threshold)
    // The written threshold does what it says when routing.
    const routed = await run('simulate', ['--data', outcomeFile(), '--no-semantic', '--json', '--override', join(home, 'threshold-override.json')])
    expect(JSON.parse(routed.out).tiers.cloud).toBe(2)
  }, 30_000)

  it('refuses a share outside [0, 1] and a recall target next to it', async () => {
    await expect(run('calibrate', ['--data', outcomeFile(), '--cloud-share', '1.5'])).rejects.toThrow(UsageError)
    await expect(run('calibrate', ['--data', outcomeFile(), '--cloud-share', '0.3', '--target-recall', '0.9'])).rejects.toThrow(UsageError)
  })
})

describe('the cross-validated figures eval prints under a training file', () => {
  it('shows each part against prompt length, and for word problems the mean and spread over seeds of folds', () => {
    const text = describeCrossValidated({
      apgr: { mmlu: 0.618, gsm8k: 0.69 },
      apgrOverSeeds: { gsm8k: { mean: 0.684, sd: 0.005, seeds: 8 } },
      lengthApgr: { mmlu: 0.586, gsm8k: 0.593 },
      routing: { auroc: 0.9998, cloudRecall: 0.99, localShare: 0.53, accuracy: 0.99 },
      method: 'one fold per MMLU subject',
      trainedOn: 'outcomes-dev.jsonl',
    })
    expect(text).toContain('trained on outcomes-dev.jsonl')
    expect(text).toContain('mmlu APGR 0.618 (length 0.586), gsm8k APGR 0.690 (length 0.593; 0.684 ± 0.005 over 8 seeds of folds)')
  })
})
