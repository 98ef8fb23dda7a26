/**
 * Decision latency: p50/p99 per pillar and end to end (judge off), and end to end for a tier
 * the request pins, for prompts of about 10, 100 and 1,000 tokens, next to baselines measured
 * in the same run so numbers from different machines can be compared. Run with `npm run bench`.
 *
 * Targets (on a 2-core machine): rules p50 ≤ 0.05 ms; whole decision p50 ≤ 1 ms and
 * p99 ≤ 5 ms at 1,000 tokens. Then the first decision after start, in fresh processes
 * (bench/first-decision.ts; target ≤ 5 ms). Then replay of 10,000 telemetry rows (bench/replay.ts;
 * target < 1 s).
 */
import { execFileSync } from 'node:child_process'
import { DEFAULT_POLICY } from '../shared/policy'
import { quantiles } from '../shared/numbers'
import { createRouter } from '../electron/core/engine/router'
import { createStandardPillars } from '../electron/core/engine/standard-pillars'
import { countTokens } from '../electron/core/engine/tokens'
import type { Pillar } from '../electron/core/pillars/pillar'
import { replayBench } from './replay'

// Generic text of a support-and-engineering flavour, written for this benchmark.
const WORDS = (
  'please review the following notes about our deployment and explain what could go wrong when the service ' +
  'restarts during peak traffic the team noticed slower responses after the last release and wants a short ' +
  'summary of likely causes with suggestions for monitoring caching retries and database indexes in plain words'
).split(' ')

/** About `tokens` tokens of text; `variant` makes each prompt distinct. */
function promptOf(tokens: number, variant: number): string {
  const words = [`Case ${variant}:`]
  for (let i = 0; words.length < tokens * 0.8; i++) words.push(WORDS[(i * 7 + variant) % WORDS.length]!)
  let text = words.join(' ')
  for (let i = 0; countTokens(text).tokens < tokens; i++) text += ` ${WORDS[(i * 3 + variant) % WORDS.length]}`
  return text
}

interface Row {
  size: number
  stage: string
  p50: number
  p99: number
  target?: string
  ok?: boolean
}

async function measure(iterations: number, prompts: string[], run: (prompt: string) => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(200, iterations); i++) await run(prompts[i % prompts.length]!)
  const samples: number[] = []
  for (let i = 0; i < iterations; i++) {
    const prompt = prompts[i % prompts.length]!
    const t0 = performance.now()
    await run(prompt)
    samples.push(performance.now() - t0)
  }
  return quantiles(samples, { p50: 0.5, p99: 0.99 }) ?? { p50: 0, p99: 0 }
}

async function main() {
  const standard = await createStandardPillars({ policy: () => DEFAULT_POLICY, warmup: true, warn: (m) => console.error(m) })
  const router = createRouter({ policy: DEFAULT_POLICY, pillars: standard.pillars, combiner: standard.combiner, dataDir: null })
  const rows: Row[] = []
  const pillarRun = (pillar: Pillar) => (prompt: string) => pillar.evaluate({ prompt, tokens: countTokens(prompt).tokens, policy: DEFAULT_POLICY })

  for (const size of [10, 100, 1000]) {
    const iterations = size === 1000 ? 1000 : 3000
    // Each stage gets prompts no earlier stage saw, so the embedding cache never helps.
    let stage = 0
    const fresh = () => {
      const offset = ++stage * (iterations + 200)
      return Array.from({ length: iterations + 200 }, (_, i) => promptOf(size, offset + i))
    }
    const prompts = fresh()
    const tokenCounts = new Map(prompts.map((p) => [p, countTokens(p).tokens]))
    const add = (stage: string, r: { p50: number; p99: number }, target?: { p50?: number; p99?: number }) => {
      const ok = target ? (target.p50 === undefined || r.p50 <= target.p50) && (target.p99 === undefined || r.p99 <= target.p99) : undefined
      const text = target
        ? [target.p50 !== undefined ? `p50 ≤ ${target.p50}` : '', target.p99 !== undefined ? `p99 ≤ ${target.p99}` : ''].filter(Boolean).join(', ')
        : undefined
      rows.push({ size, stage, ...r, ...(text ? { target: text } : {}), ...(ok !== undefined ? { ok } : {}) })
    }
    add('baseline: empty call', await measure(iterations, prompts, () => undefined))
    add('baseline: JSON.stringify', await measure(iterations, prompts, (p) => JSON.stringify({ prompt: p })))
    add('token count', await measure(iterations, prompts, (p) => countTokens(p)))
    add('rules', await measure(iterations, prompts, (p) => standard.rules.evaluate({ prompt: p, tokens: tokenCounts.get(p)!, policy: DEFAULT_POLICY })), {
      p50: 0.05,
    })
    if (standard.semantic) add('semantic', await measure(iterations, fresh(), pillarRun(standard.semantic)))
    add('decision (end to end)', await measure(iterations, fresh(), (p) => router.decide(p)), size === 1000 ? { p50: 1, p99: 5 } : undefined)
    // A tier the request pins (`routellm/cloud`): only the privacy check runs.
    add('decision, tier pinned', await measure(iterations, fresh(), (p) => router.decide(p, { tier: 'cloud' })))
  }

  const fmt = (x: number) => x.toFixed(4).padStart(9)
  console.log(`decision latency, judge off, semantic ${standard.semantic ? 'on' : 'OFF'} (ms; Node ${process.version})`)
  console.log(`${'tokens'.padEnd(7)}${'stage'.padEnd(26)}${'p50'.padStart(9)}${'p99'.padStart(9)}  target`)
  for (const r of rows) {
    const verdict = r.ok === undefined ? '' : `${r.target} ${r.ok ? 'ok' : 'MISSED'}`
    console.log(`${String(r.size).padEnd(7)}${r.stage.padEnd(26)}${fmt(r.p50)}${fmt(r.p99)}  ${verdict}`)
  }
  await standard.dispose()

  // Each run is a fresh process: the engine as the hosts build it, warmed up, then one decision.
  const runs = Array.from({ length: 5 }, () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/first-decision.ts'], { encoding: 'utf8' })
    return JSON.parse(out.trim().split('\n').at(-1)!) as { firstMs: number; laterP50Ms: number }
  })
  const firsts = runs.map((r) => r.firstMs).sort((a, b) => a - b)
  const median = firsts[firsts.length >> 1]!
  console.log(
    `first decision after start (fresh process, 5 runs): median ${median.toFixed(2)} ms [${firsts.map((x) => x.toFixed(1)).join(', ')}]; ` +
      `later decisions p50 ${runs.map((r) => r.laterP50Ms.toFixed(2)).join(', ')} ms  target ≤ 5 ${median <= 5 ? 'ok' : 'MISSED'}`,
  )

  const r = replayBench()
  console.log(
    `replay of 10,000 telemetry rows under a candidate policy (median of 5): ${r.totalMs.toFixed(1)} ms ` +
      `(read + prepare ${r.readMs.toFixed(1)} ms, replay ${r.replayMs.toFixed(1)} ms)  target < 1000 ${r.ok ? 'ok' : 'MISSED'}`,
  )
}

await main()
