import type { Tier } from '../../../../shared/decision'
import { fail, ok, warn, type Verdict } from '../types'
import type { DeepStack } from './stack'

/** What a usable router answers within (ms). */
export interface LatencyLimits {
  /** 95th percentile of a routing decision. */
  decisionP95Ms: number
  localTtftMs: number
  cloudTtftMs: number
}

export const DEFAULT_LATENCY_LIMITS: LatencyLimits = { decisionP95Ms: 250, localTtftMs: 5_000, cloudTtftMs: 5_000 }

const DECISION_PROMPTS = [
  'hi there',
  'What is the capital of Canada?',
  'Write a Python function that merges two sorted lists and explain its complexity.',
  'Summarise the trade-offs between optimistic and pessimistic locking in a database.',
]

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0
}

/** Time to first token of one short answer from a tier, or why there was none. */
async function ttft(stack: DeepStack, tier: Tier): Promise<{ ms: number; model: string } | { error: string; missing: boolean }> {
  const result = await stack.generate({ prompt: 'Reply with the single word OK.', tier })
  if (result.phase !== 'done' || !result.servedBy || result.servedBy.tier !== tier) {
    const missing = result.decision?.model === null || /no (local|cloud) (model|endpoint)/i.test(result.error ?? '')
    return { error: result.error ?? `answered by ${result.servedBy?.tier ?? 'nobody'}`, missing }
  }
  return { ms: Math.round(result.usage?.ttftMs ?? result.usage?.totalMs ?? 0), model: result.servedBy.model }
}

/**
 * Latency baseline: the decision (20 rounds of four prompt shapes, after warm-up), then one
 * short answer from the local tier (after one answer that loads the model) and one from the
 * cloud tier. A tier with no endpoint is a warning, not a failure; a tier that fails or is
 * slower than its limit fails.
 */
export async function checkLatency(stack: DeepStack, limits: LatencyLimits = DEFAULT_LATENCY_LIMITS): Promise<Verdict> {
  await stack.ready
  const times: number[] = []
  for (let round = 0; round < 20; round++) {
    for (const prompt of DECISION_PROMPTS) {
      const t0 = performance.now()
      await stack.decide(`${prompt} (${round})`)
      times.push(performance.now() - t0)
    }
  }
  times.sort((a, b) => a - b)
  const decision = { p50: Math.round(percentile(times, 0.5) * 10) / 10, p95: Math.round(percentile(times, 0.95) * 10) / 10 }
  await ttft(stack, 'local') // loads the local model: its load time is not its answer time
  const local = await ttft(stack, 'local')
  const cloud = await ttft(stack, 'cloud')
  const detail = { decisionMs: decision, local, cloud, limits }
  const describe = (name: string, r: typeof local) =>
    'ms' in r ? `${name} TTFT ${r.ms} ms (${r.model})` : `${name}: ${r.missing ? 'no endpoint' : `failed (${r.error})`}`
  const line = `decision p50 ${decision.p50} ms, p95 ${decision.p95} ms; ${describe('local', local)}; ${describe('cloud', cloud)}`
  const problems: string[] = []
  if (decision.p95 > limits.decisionP95Ms) problems.push(`decisions are slow (p95 over ${limits.decisionP95Ms} ms)`)
  for (const [name, r, limit] of [
    ['local', local, limits.localTtftMs],
    ['cloud', cloud, limits.cloudTtftMs],
  ] as const) {
    if ('ms' in r && r.ms > limit) problems.push(`${name} first token over ${limit} ms`)
    if ('error' in r && !r.missing) problems.push(`${name} did not answer`)
  }
  if (problems.length > 0) return fail(`${line} — ${problems.join('; ')}`, detail)
  if (('error' in local && local.missing) || ('error' in cloud && cloud.missing)) return warn(`${line} — configure both tiers to measure them`, detail)
  return ok(line, detail)
}
