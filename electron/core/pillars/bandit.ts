/**
 * Pillar 4, the bandit: once the tier is fixed, picks the concrete model/endpoint (arm)
 * inside it and learns from what happened. Epsilon-greedy or Thompson sampling, chosen by
 * the policy. Each arm's value combines the mean reward of its generations (success,
 * latency, cost) with its users' thumbs up/down, weighted by the policy.
 *
 * Statistics live in <dataDir>/state.db, shared with every other process on the data folder:
 * kept in memory on the request path, written behind as deltas once per sync interval and
 * at shutdown (see ArmLedger). A bandit.json from an older version is imported once.
 */
import type Database from 'better-sqlite3'
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { PillarVerdict, Tier } from '../../../shared/decision'
import type { DataFileProblem } from '../../../shared/health'
import type { BanditPolicy } from '../../../shared/policy'
import { FileFormatError, parseFile } from '../lib/json-errors'
import { DEFAULT_SYNC_MS, importOnce, openStateDb } from '../state/state-db'
import { ArmLedger, emptyArmStats } from './arm-ledger'
import { errorMessage } from '../../../shared/errors'
import { round } from '../../../shared/numbers'

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
  /** Folder of state.db (and a legacy bandit.json); null keeps statistics in memory only. */
  dataDir: string | null
  /** Write statistics behind and re-read other processes' this often (default 1 s). */
  syncMs?: number
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
  /** A legacy bandit.json that could not be imported, naming the field; null when none. */
  problem(): DataFileProblem | null
  /** Flush and stop syncing (shutdown). */
  close(): Promise<void>
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
export function meanValue(s: ArmStats, p: BanditPolicy): number {
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

function readLegacyFile(dataDir: string): { arms: ArmStats[] } | { problem: DataFileProblem } | null {
  const file = join(dataDir, BANDIT_FILE)
  if (!existsSync(file)) return null
  try {
    return { arms: parseFile(BANDIT_FILE, readFileSync(file, 'utf8'), StatsFile).arms }
  } catch (error) {
    const what = error instanceof FileFormatError ? error.message : `${BANDIT_FILE}: could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`
    return {
      problem: {
        file: BANDIT_FILE,
        message: `${what}. Its statistics were not imported; the model choice learns from the answers recorded in state.db. Fix or delete the file to clear this.`,
      },
    }
  }
}

/** What is wrong with a legacy bandit.json still waiting to be imported (for `doctor`); null when none or fine. */
export function banditFileProblem(dataDir: string): DataFileProblem | null {
  const read = readLegacyFile(dataDir)
  return read !== null && 'problem' in read ? read.problem : null
}

/**
 * Older versions kept statistics in bandit.json: import them into state.db once and rename
 * the file to bandit.json.imported. A damaged one is left where it is and described, naming
 * the field (learning goes on from what state.db holds).
 */
function importLegacyFile(db: Database.Database, ledger: ArmLedger, dataDir: string): DataFileProblem | null {
  const read = readLegacyFile(dataDir)
  if (read === null || 'problem' in read) return read?.problem ?? null
  const file = join(dataDir, BANDIT_FILE)
  const arms = read.arms
  importOnce(db, BANDIT_FILE, () => ledger.importArms(arms))
  try {
    renameSync(file, `${file}.imported`)
  } catch {
    // Another process renamed it first.
  }
  return null
}

const round3 = (x: number) => round(x, 3)

export function createBandit(opts: BanditOptions): Bandit {
  const random = opts.random ?? Math.random
  const warn = opts.warn ?? ((m: string) => console.warn(m))
  const now = opts.now ?? (() => new Date())
  let db: Database.Database | null = null
  if (opts.dataDir) {
    try {
      db = openStateDb(opts.dataDir)
    } catch (error) {
      warn(`bandit statistics: state.db in ${opts.dataDir} cannot be opened (${errorMessage(error)}); learning in memory for this session only`)
    }
  }
  const ledger = new ArmLedger(db)
  let problem: DataFileProblem | null = null
  if (db && opts.dataDir) {
    try {
      problem = importLegacyFile(db, ledger, opts.dataDir)
      ledger.sync()
    } catch (error) {
      problem = { file: BANDIT_FILE, message: `${BANDIT_FILE}: could not be imported into state.db (${errorMessage(error)})` }
    }
    if (problem) warn(`bandit statistics: ${problem.message}`)
  }

  let failures = 0
  const sync = () => {
    if (!db) return
    try {
      ledger.sync()
      failures = 0
    } catch (error) {
      // The first failure, then every 100th: a full disk must not flood the log. The deltas wait in memory.
      if (failures++ % 100 === 0) warn(`could not save bandit statistics to state.db (kept in memory, retried): ${errorMessage(error)}`)
    }
  }
  const timer = db ? setInterval(sync, opts.syncMs ?? DEFAULT_SYNC_MS).unref() : undefined

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
    const known = candidates.map((arm) => ({ arm, s: ledger.get(arm) ?? emptyArmStats(arm) }))
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
    let reward: number | null = null
    const delta: Partial<ArmStats> = {}
    if (outcome.success !== undefined) {
      reward = generationReward(outcome, p)
      delta.pulls = 1
      delta.successes = outcome.success ? 1 : 0
      delta.rewardSum = reward
      delta.latencyMsSum = Math.max(0, outcome.latencyMs ?? 0)
      delta.costUsdSum = Math.max(0, outcome.costUsd ?? 0)
    }
    if (outcome.feedback === 'up') delta.feedbackUp = 1
    if (outcome.feedback === 'down') delta.feedbackDown = 1
    ledger.add(outcome.arm, delta, now().toISOString())
    return reward
  }

  return {
    choose,
    record,
    stats: () => ledger.all(),
    flush: async () => sync(),
    problem: () => problem,
    close: async () => {
      clearInterval(timer)
      sync()
      db?.close()
      db = null
    },
  }
}
