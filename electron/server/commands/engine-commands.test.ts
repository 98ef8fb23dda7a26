import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Decision } from '../../../shared/decision'
import { UsageError, type CliContext } from './command'
import { engineCommands } from './index'
import { captureIo } from '../../../test/support/cli-io'

const command = (name: string) => engineCommands.find((c) => c.name === name)!

async function run(name: string, args: string[], opts: { home?: string; stdin?: string } = {}) {
  const { captured, ...io } = captureIo(opts.stdin)
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'routellm-cli-'))
  const ctx: CliContext = { ...io, args, env: { ROUTELLM_HOME: home } }
  const code = await command(name).run(ctx)
  return { code, ...captured, home }
}

function labelledFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'routellm-data-')), 'labelled.jsonl')
  const rows = [
    { prompt: 'Write a Python function that checks whether a string is a palindrome.', label: 'cloud', source: 'code' },
    { prompt: 'A tank holds 120 litres and drains 8 litres per hour. How many hours until it is a quarter full?', label: 'cloud', source: 'maths' },
    { prompt: 'Prove that the sum of two even numbers is even.', label: 'cloud', source: 'maths' },
    { prompt: 'Hello! How are you?', label: 'local', source: 'chat' },
    { prompt: 'Give me a synonym for tired.', label: 'local', source: 'chat' },
    { prompt: 'Write a haiku about the moon.', label: 'local', source: 'writing' },
  ]
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'))
  return file
}

describe('routellm eval', () => {
  it('prints exactly one JSON object with the promised fields', async () => {
    const { code, out } = await run('eval', ['--data', labelledFile(), '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(out)
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['n', 'auroc', 'atDefault', 'atTargetRecall', 'bySource', 'latencyMs']))
    expect(report.n).toBe(6)
    expect(report.atDefault).toEqual({ threshold: 65, cloudRecall: expect.any(Number), localShare: expect.any(Number), accuracy: expect.any(Number) })
    expect(report.atTargetRecall).toEqual({
      targetRecall: 0.95,
      threshold: expect.any(Number),
      cloudRecall: expect.any(Number),
      localShare: expect.any(Number),
    })
    expect(Object.keys(report.bySource).sort()).toEqual(['chat', 'code', 'maths', 'writing'])
    expect(report.latencyMs).toEqual({ p50: expect.any(Number), p99: expect.any(Number) })
    expect(report.pillars.rules.auroc).toEqual(expect.any(Number))
    expect(report.pillars.semantic.auroc).toEqual(expect.any(Number))
  }, 30_000)

  it('uses the policy’s own threshold even when a calibrated override exists', async () => {
    const data = labelledFile()
    const calibrated = await run('calibrate', ['--data', data, '--no-semantic', '--target-recall', '1'])
    expect(calibrated.code).toBe(0)
    const override = JSON.parse(readFileSync(join(calibrated.home, 'threshold-override.json'), 'utf8'))
    expect(override).toMatchObject({ version: 1, patch: { threshold: expect.any(Number) }, targetRecall: 1, n: 6 })
    // Whatever was fitted, make the override clearly different from the policy's 65.
    writeFileSync(join(calibrated.home, 'threshold-override.json'), JSON.stringify({ ...override, patch: { threshold: 80 } }))
    const evaluated = await run('eval', ['--data', data, '--no-semantic', '--json'], { home: calibrated.home })
    expect(JSON.parse(evaluated.out).atDefault.threshold).toBe(65)
    const routed = await run('route', ['hello there', '--no-semantic', '--json'], { home: calibrated.home })
    expect(JSON.parse(routed.out).threshold).toBe(80)
  }, 30_000)

  it('names the line of a bad dataset and the field of a bad policy', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'routellm-data-')), 'bad.jsonl')
    writeFileSync(bad, '{"prompt": "a", "label": "local"}\n{"prompt": "b"}\n')
    await expect(run('eval', ['--data', bad, '--no-semantic'])).rejects.toThrow(/line 2/)
    const policy = join(mkdtempSync(join(tmpdir(), 'routellm-policy-')), 'policy.json')
    writeFileSync(policy, JSON.stringify({ version: 1, weights: { rules: 'heavy' } }))
    await expect(run('eval', ['--data', labelledFile(), '--policy', policy, '--no-semantic'])).rejects.toThrow(/weights\.rules/)
    await expect(run('eval', ['--data', labelledFile(), '--target-recall', '2'])).rejects.toThrow(UsageError)
  })
})

describe('routellm calibrate', () => {
  it('fits the semantic thresholds and the routing threshold into one override', async () => {
    const { code, out, home } = await run('calibrate', ['--data', labelledFile(), '--json'])
    expect(code).toBe(0)
    const result = JSON.parse(out)
    expect(result).toMatchObject({ n: 6, reached: true, threshold: expect.any(Number) })
    const override = JSON.parse(readFileSync(join(home, 'threshold-override.json'), 'utf8'))
    expect(override.patch.semantic.thresholds['glove-sif-100d']).toMatchObject({ center: expect.any(Number), scale: expect.any(Number), samples: 6 })
    expect(override.patch.threshold).toBe(result.threshold)
    const audit = readFileSync(join(home, 'policy-audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(audit).toEqual([expect.objectContaining({ actor: 'calibrate', patchBefore: null, patchAfter: override.patch, fileBefore: null })])
  }, 30_000)
})

describe('routellm route', () => {
  it('prints the decision as JSON', async () => {
    const { code, out } = await run('route', ['Write a Rust function that parses a CSV line.', '--json', '--no-semantic'])
    expect(code).toBe(0)
    const d = Decision.parse(JSON.parse(out))
    expect(d).toMatchObject({ tier: 'cloud', model: null })
  })

  it('reads the prompt from stdin, explains in text, and honours --tier', async () => {
    const { out } = await run('route', ['-', '--tier', 'cloud', '--no-semantic'], { stdin: 'thanks!' })
    expect(out).toMatch(/^CLOUD {2}complexity/)
    expect(out).toContain('You chose Cloud for this prompt')
  })

  it('refuses an empty prompt and a bad tier with a usage error', async () => {
    await expect(run('route', [''])).rejects.toThrow(UsageError)
    await expect(run('route', ['hi', '--tier', 'edge'])).rejects.toThrow(UsageError)
  })

  it('turns the judge off, with a warning, when Ollama is not reachable', async () => {
    const { code, out, err } = await run('route', ['hi', '--json', '--no-semantic', '--judge', 'llama3.2:1b', '--ollama-host', 'http://127.0.0.1:9'])
    expect(code).toBe(0)
    expect(err).toMatch(/^judge off: Ollama is not reachable/)
    expect(JSON.parse(out).tier).toBe('local')
  })
})

describe('routellm simulate', () => {
  it('routes a plain prompt-per-line file and reports cost and agreement as one JSON object', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'routellm-data-')), 'prompts.txt')
    writeFileSync(file, 'hello\nWrite a Go function that reverses a slice in place.\n\nWhat is the capital of Peru?\n')
    const { code, out } = await run('simulate', ['--data', file, '--json', '--no-semantic'])
    expect(code).toBe(0)
    const report = JSON.parse(out)
    expect(report).toMatchObject({ n: 3, tiers: { local: 2, cloud: 1 }, cost: { savedShare: expect.any(Number) } })
    expect(report.decisions.map((d: { line: number }) => d.line)).toEqual([1, 2, 4])
  })

  it('--threshold N routes the same batch at that threshold, for this run only', async () => {
    const file = labelledFile()
    const at = async (threshold: string) => {
      const { code, out } = await run('simulate', ['--data', file, '--json', '--no-semantic', '--threshold', threshold])
      expect(code).toBe(0)
      return JSON.parse(out) as {
        threshold: number
        tiers: { local: number; cloud: number }
        decisions: Array<{ complexity: number; tier: string; pinned: string | null }>
      }
    }
    const low = await at('0')
    const high = await at('100')
    expect(low.threshold).toBe(0)
    expect(high.threshold).toBe(100)
    // Unpinned prompts follow the threshold: at 0 any positive index goes to the cloud, at 100 none does.
    for (const d of high.decisions.filter((x) => x.pinned === null)) expect(d.tier).toBe('local')
    for (const d of low.decisions.filter((x) => x.pinned === null && x.complexity > 0)) expect(d.tier).toBe('cloud')
    expect(low.tiers.cloud).toBeGreaterThan(high.tiers.cloud)
  })

  it('--threshold outside 0–100 is a usage error, not a silent default', async () => {
    for (const bad of ['150', 'high', '-1']) {
      await expect(run('simulate', ['--data', labelledFile(), '--threshold', bad])).rejects.toThrow(UsageError)
    }
  })
})
