/**
 * Pillar 4, the bandit: once the tier is fixed, picks the concrete model/endpoint (arm)
 * inside it and learns from what happened. Epsilon-greedy or Thompson sampling, chosen by
 * the policy. Each arm's value combines the mean reward of its generations (success,
 * latency, cost) with its users' thumbs up/down, weighted by the policy.
 *
 * Statistics persist in <dataDir>/bandit.json, written atomically (temp file + rename); a
 * corrupt file is set aside and learning starts fresh with a warning, never a crash.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { PillarVerdict, Tier } from '../../../shared/decision'
import type { BanditPolicy } from '../../../shared/policy'
import { writeJsonAtomic } from '../atomic-file'

/** One concrete place a prompt can be answered. */
export interface Arm {
  endpoint: string
  model: string
  tier: Tier
}

/** What the host reports after a generation (feedback may also arrive alone, later). */
export interface Outcome {
  arm: Pick<Arm, 'endpoint' | 'model'>
  /** Omit for a feedback-only report. */
  success?: boolean
  latencyMs?: number
  ttftMs?: number | null
  costUsd?: number
  /** Thumbs up / down from the user. */
  feedback?: 'up' | 'down'
}

const ArmStats = z.object({
  endpoint: z.string(),
  model: z.string(),
  pulls: z.number().int().nonnegative(),
  successes: z.number().int().nonnegative(),
  /** Sum of per-generation rewards (0–1) from success, latency and cost. */
  rewardSum: z.number().nonnegative(),
  latencyMsSum: z.number().nonnegative(),
  costUsdSum: z.number().nonnegative(),
  feedbackUp: z.number().int().nonnegative(),
  feedbackDown: z.number().int().nonnegative(),
  lastAt: z.string().nullable(),
})
export type ArmStats = z.infer<typeof ArmStats>

const StatsFile = z.object({ version: z.literal(1), arms: z.array(ArmStats) })

export interface BanditOptions {
  /** Folder of bandit.json; null keeps statistics in memory only. */
  dataDir: string | null
  policy: () => BanditPolicy
  /** Uniform [0, 1); seed it in tests with `seededRandom`. */
  random?: () => number
  warn?: (message: string) => void
  now?: () => Date
}

export interface Choice {
  arm: Arm | null
  verdict: PillarVerdict
}

export interface Bandit {
  choose(tier: Tier, arms: readonly Arm[]): Choice
  /** Learns from one outcome; returns the generation's reward (null for feedback only). */
  record(outcome: Outcome): number | null
  stats(): ArmStats[]
  /** Resolves when every recorded outcome is on disk. */
  flush(): Promise<void>
}

export const BANDIT_FILE = 'bandit.json'

/** Small, fast, seedable PRNG (mulberry32) for reproducible exploration in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const keyOf = (arm: Pick<Arm, 'endpoint' | 'model'>) => `${arm.endpoint}\n${arm.model}`

function emptyStats(arm: Pick<Arm, 'endpoint' | 'model'>): ArmStats {
  return { endpoint: arm.endpoint, model: arm.model, pulls: 0, successes: 0, rewardSum: 0, latencyMsSum: 0, costUsdSum: 0, feedbackUp: 0, feedbackDown: 0, lastAt: null }
}

/** The reward of one generation, 0–1: success, speed and cheapness, weighted by the policy. */
export function generationReward(outcome: Outcome, p: BanditPolicy): number {
  const success = outcome.success ? 1 : 0
  // A failed generation delivered nothing: its speed and price earn nothing either.
  const latency = outcome.success && outcome.latencyMs !== undefined ? p.latencyRefMs / (p.latencyRefMs + Math.max(0, outcome.latencyMs)) : success
  const cost = outcome.success ? p.costRefUsd / (p.costRefUsd + Math.max(0, outcome.costUsd ?? 0)) : 0
  const w = p.reward
  const total = w.success + w.latency + w.cost
  return total === 0 ? success : (w.success * success + w.latency * latency + w.cost * cost) / total
}

/** Estimated value of an arm, 0–1, from its means (feedback counts once the user gave some). */
function meanValue(s: ArmStats, p: BanditPolicy): number {
  const w = p.reward
  const generationWeight = w.success + w.latency + w.cost
  const generation = s.pulls ? s.rewardSum / s.pulls : 0.5
  const votes = s.feedbackUp + s.feedbackDown
  if (votes === 0 || w.feedback === 0) return generation
  const feedback = (s.feedbackUp + 1) / (votes + 2)
  return (generationWeight * generation + w.feedback * feedback) / (generationWeight + w.feedback)
}

function sampleNormal(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** Gamma(shape ≥ 1) by Marsaglia–Tsang. */
function sampleGamma(shape: number, random: () => number): number {
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = sampleNormal(random)
    const v = (1 + c * x) ** 3
    if (v <= 0) continue
    const u = random()
    if (Math.log(Math.max(u, Number.MIN_VALUE)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v
  }
}

export function sampleBeta(alpha: number, beta: number, random: () => number): number {
  const x = sampleGamma(alpha, random)
  const y = sampleGamma(beta, random)
  return x / (x + y)
}

/** A draw of an arm's value from its posterior: Beta(1 + rewards, 1 + misses) per part. */
function sampledValue(s: ArmStats, p: BanditPolicy, random: () => number): number {
  const w = p.reward
  const generationWeight = w.success + w.latency + w.cost
  const generation = sampleBeta(1 + s.rewardSum, 1 + s.pulls - s.rewardSum, random)
  if (w.feedback === 0) return generation
  const feedback = sampleBeta(1 + s.feedbackUp, 1 + s.feedbackDown, random)
  return (generationWeight * generation + w.feedback * feedback) / (generationWeight + w.feedback)
}

function loadStats(file: string, warn: (m: string) => void): Map<string, ArmStats> {
  const stats = new Map<string, ArmStats>()
  if (!existsSync(file)) return stats
  try {
    const parsed = StatsFile.parse(JSON.parse(readFileSync(file, 'utf8')))
    for (const s of parsed.arms) stats.set(keyOf(s), s)
  } catch (error) {
    const aside = `${file}.corrupt-${Date.now()}`
    try {
      renameSync(file, aside)
    } catch {
      // Unmovable: it is overwritten by the next save anyway.
    }
    warn(`bandit statistics in ${file} are unreadable (${(error as Error).message.split('\n')[0]}); starting fresh, old file kept as ${aside}`)
  }
  return stats
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

export function createBandit(opts: BanditOptions): Bandit {
  const random = opts.random ?? Math.random
  const warn = opts.warn ?? ((m: string) => console.warn(m))
  const now = opts.now ?? (() => new Date())
  const file = opts.dataDir ? join(opts.dataDir, BANDIT_FILE) : null
  const stats = file ? loadStats(file, warn) : new Map<string, ArmStats>()

  let saving: Promise<void> = Promise.resolve()
  let dirty = false
  let scheduled = false

  async function writeStats(): Promise<void> {
    if (!file) return
    dirty = false
    writeJsonAtomic(file, { version: 1, arms: [...stats.values()] })
  }

  /** Coalesces bursts of outcomes into one write; writes never overlap. */
  function scheduleSave() {
    dirty = true
    if (scheduled || !file) return
    scheduled = true
    saving = saving
      .then(async () => {
        scheduled = false
        if (dirty) await writeStats()
      })
      .catch((error: unknown) => {
        scheduled = false
        warn(`could not save bandit statistics to ${file}: ${(error as Error).message}`)
      })
  }

  const statsOf = (arm: Pick<Arm, 'endpoint' | 'model'>) => {
    const key = keyOf(arm)
    let s = stats.get(key)
    if (!s) {
      s = emptyStats(arm)
      stats.set(key, s)
    }
    return s
  }

  function choose(tier: Tier, arms: readonly Arm[]): Choice {
    const t0 = performance.now()
    const ms = () => round3(performance.now() - t0)
    const p = opts.policy()
    const candidates = arms.filter((a) => a.tier === tier)
    const verdict = (reason: string, confidence: number, detail: Record<string, unknown>): PillarVerdict => ({
      pillar: 'bandit',
      status: 'scored',
      score: null,
      confidence,
      reason,
      ms: ms(),
      detail: { strategy: p.strategy, ...detail },
    })
    if (candidates.length === 0) {
      return { arm: null, verdict: { pillar: 'bandit', status: 'abstained', score: null, confidence: 0, reason: `no ${tier} model is available`, ms: ms() } }
    }
    if (candidates.length === 1) {
      const arm = candidates[0]!
      return { arm, verdict: verdict(`${arm.model} is the only ${tier} model`, 1, { arm: { endpoint: arm.endpoint, model: arm.model }, explored: false }) }
    }
    const known = candidates.map((arm) => ({ arm, s: stats.get(keyOf(arm)) ?? emptyStats(arm) }))
    if (p.strategy === 'thompson') {
      const draws = known.map((k) => ({ ...k, draw: sampledValue(k.s, p, random) }))
      const best = draws.reduce((a, b) => (b.draw > a.draw ? b : a))
      return {
        arm: best.arm,
        verdict: verdict(
          `${best.arm.model}: best Thompson draw (${round3(best.draw)}) among ${candidates.length} ${tier} models; ${best.s.pulls} past answers`,
          round3(meanValue(best.s, p)),
          { arm: { endpoint: best.arm.endpoint, model: best.arm.model }, explored: false, draw: round3(best.draw), pulls: best.s.pulls },
        ),
      }
    }
    const warming = known.some((k) => k.s.pulls < p.epsilon.warmupPulls)
    const epsilon = warming ? Math.max(0.1, p.epsilon.warmup) : p.epsilon.floor
    if (random() < epsilon) {
      const pick = known[Math.floor(random() * known.length)] ?? known[0]!
      return {
        arm: pick.arm,
        verdict: verdict(
          `${pick.arm.model}: exploring (epsilon ${epsilon}${warming ? ' while models are new' : ''}) among ${candidates.length} ${tier} models`,
          0.5,
          { arm: { endpoint: pick.arm.endpoint, model: pick.arm.model }, explored: true, epsilon, pulls: pick.s.pulls },
        ),
      }
    }
    // Untried arms first (optimism), then the best mean value.
    const untried = known.find((k) => k.s.pulls === 0 && k.s.feedbackUp + k.s.feedbackDown === 0)
    const best = untried ?? known.reduce((a, b) => (meanValue(b.s, p) > meanValue(a.s, p) ? b : a))
    const value = round3(meanValue(best.s, p))
    return {
      arm: best.arm,
      verdict: verdict(
        untried
          ? `${best.arm.model}: never tried yet, trying it first`
          : `${best.arm.model}: best value ${value} over ${best.s.pulls} answers among ${candidates.length} ${tier} models`,
        untried ? 0.5 : value,
        { arm: { endpoint: best.arm.endpoint, model: best.arm.model }, explored: false, epsilon, value, pulls: best.s.pulls },
      ),
    }
  }

  function record(outcome: Outcome): number | null {
    const p = opts.policy()
    const s = statsOf(outcome.arm)
    let reward: number | null = null
    if (outcome.success !== undefined) {
      reward = generationReward(outcome, p)
      s.pulls++
      if (outcome.success) s.successes++
      s.rewardSum += reward
      s.latencyMsSum += Math.max(0, outcome.latencyMs ?? 0)
      s.costUsdSum += Math.max(0, outcome.costUsd ?? 0)
    }
    if (outcome.feedback === 'up') s.feedbackUp++
    if (outcome.feedback === 'down') s.feedbackDown++
    s.lastAt = now().toISOString()
    scheduleSave()
    return reward
  }

  return {
    choose,
    record,
    stats: () => [...stats.values()].map((s) => ({ ...s })),
    flush: async () => {
      await saving
      if (dirty) {
        scheduleSave()
        await saving
      }
    },
  }
}
