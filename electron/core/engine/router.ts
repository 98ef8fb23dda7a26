import { randomUUID } from 'node:crypto'
import { MAX_PROMPT_CHARS, type ChatTurn } from '../../../shared/chat'
import { PillarId, type Decision, type PillarVerdict, type Tier } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'
import { createBandit, type Arm, type Bandit, type Outcome } from '../pillars/bandit'
import { abstain, type Pillar, type PillarInput } from '../pillars/pillar'
import type { CombinerStep } from './combiner/step'
import { clusterOffsetFor, describeClusterOffset, type AppliedClusterOffset, type ClusterOffsetSource } from './cluster-offsets'
import { composeIndex, type ComplexityIndex } from './compose'
import { explain, TIER_NAMES } from './explain'
import { detectPrivateData } from '../pillars/privacy'
import { countTokens, estimateTokens } from './tokens'
import { errorMessage } from '../../../shared/errors'
import { msSince } from '../lib/elapsed'
import { withTimeout } from '../lib/with-timeout'

/** Anything that hands out the current policy (a fixed one, or the hot-reloading store). */
export interface PolicySource {
  get(): Policy
}

/** What the health hook sees, and may answer with a different tier. */
export interface TierOverrideContext {
  tier: Tier
  pinned: Decision['pinned']
  complexity: number
  /** True when the prompt holds secrets or personal data: it can never be sent to the cloud. */
  privacy: boolean
}

export interface TierOverrideResult {
  tier: Tier
  /** Shown to the user, e.g. "Cloud is offline (3 failures in a row)". */
  reason: string
  pinned?: 'health' | 'offline' | 'budget'
}

/** Where health moves the tier: cloud degraded → local, Ollama down → cloud unless privacy-pinned. */
export type TierOverride = (ctx: TierOverrideContext) => TierOverrideResult | null | undefined | Promise<TierOverrideResult | null | undefined>

export interface RouterDeps {
  policy: Policy | PolicySource
  /** Scoring pillars in the order they run; put the rules pillar first so its fast path can skip the rest. */
  pillars: readonly Pillar[]
  /** The learned combiner over the pillars' features; without it the index pools rules and semantic. */
  combiner?: CombinerStep | null
  /** Concrete models of a tier (Ollama models, cloud endpoints); none = the decision has no model. */
  listArms?: (tier: Tier) => readonly Arm[] | Promise<readonly Arm[]>
  tierOverride?: TierOverride
  /** Where bandit.json lives; null/undefined keeps bandit statistics in memory. */
  dataDir?: string | null
  /**
   * Sources of per-cluster index offsets beside the policy's own `clusterOffsets` (which always
   * count): Optimize Load, the local-model probe. Consulted on every decision, from memory.
   */
  clusterOffsets?: readonly ClusterOffsetSource[]
  /** Use this bandit instead of creating one (tests seed it). */
  bandit?: Bandit
  warn?: (message: string) => void
}

export interface DecideOptions {
  /** The user's explicit choice for this prompt. A privacy pin still wins over cloud. */
  tier?: Tier
  /** The turns sent before the prompt: not routed on, but private data in any of them pins the decision local. */
  history?: readonly ChatTurn[]
  signal?: AbortSignal
}

export interface Router {
  decide(prompt: string, opts?: DecideOptions): Promise<Decision>
  /** Feeds back what happened after a generation (or a later thumbs up/down). */
  record(outcome: Outcome): void
  readonly bandit: Bandit
  policy(): Policy
  /** Writes pending bandit statistics; call on shutdown. */
  close(): Promise<void>
}

/** A prompt the engine refuses to route (empty, too long, not text). */
export class PromptError extends Error {
  override name = 'PromptError'
}

function isSource(p: Policy | PolicySource): p is PolicySource {
  return typeof (p as PolicySource).get === 'function'
}

class PillarTimeout extends Error {}

/** Runs one pillar; whatever it does (throw, hang, garbage), the engine gets a verdict in time. */
function runPillar(pillar: Pillar, input: PillarInput, timeoutMs: number): PillarVerdict | Promise<PillarVerdict> {
  const t0 = performance.now()
  const elapsed = () => msSince(t0)
  const failed = (error: unknown) => abstain(pillar.id, `failed: ${errorMessage(error)}`, elapsed())
  let result: PillarVerdict | Promise<PillarVerdict>
  try {
    result = pillar.evaluate(input)
  } catch (error) {
    return failed(error)
  }
  if (!(result instanceof Promise)) return result
  return withTimeout(result, timeoutMs, () => new PillarTimeout()).catch((error: unknown) =>
    error instanceof PillarTimeout ? abstain(pillar.id, `no answer within ${timeoutMs} ms`, elapsed()) : failed(error),
  )
}

/** A model-written reason (the judge's) may quote the prompt: never let it carry private data out. */
function withholdQuotedSecrets(trace: PillarVerdict[], policy: Policy): void {
  trace.forEach((v, i) => {
    if (v.pillar !== 'rules' && detectPrivateData(v.reason, policy.rules.privacy.kinds).length > 0) {
      trace[i] = { ...v, reason: 'reason withheld: it quoted private data from the prompt' }
    }
  })
}

/** The combiner never fails a decision: an error becomes an abstention with its reason. */
async function runCombiner(step: CombinerStep, input: PillarInput, trace: readonly PillarVerdict[]): Promise<PillarVerdict> {
  try {
    return await step.evaluate(input, trace)
  } catch (error) {
    return abstain('learned', `failed: ${errorMessage(error)}`, 0)
  }
}

/** A judge that leans against rules and semantic when both agree with margin is named as such in the trace. */
function flagJudge(trace: PillarVerdict[], index: ComplexityIndex | null): void {
  if (!index?.judge) return
  const i = trace.findIndex((v) => v.pillar === 'judge' && v.status === 'scored')
  if (i === -1) return
  const { contradicts, bounded, shift, without } = index.judge
  const note = contradicts
    ? ` [contradicts rules and semantic, which agree with margin: it moved the index ${shift} points from ${without} and may not cross the threshold]`
    : bounded
      ? ` [its pull was bounded: it moved the index ${shift} points from ${without}]`
      : ''
  trace[i] = { ...trace[i]!, reason: trace[i]!.reason + note, detail: { ...trace[i]!.detail, contradicts, bounded, shift, without } }
}

/** The offset is shown on the semantic verdict that named the cluster, like the judge's bounds. */
function showOffset(trace: PillarVerdict[], offset: AppliedClusterOffset): void {
  const i = trace.findIndex((v) => v.pillar === 'semantic' && v.status === 'scored')
  if (i === -1) return
  trace[i] = { ...trace[i]!, detail: { ...trace[i]!.detail, clusterOffset: offset } }
}

/**
 * The judge pillars, run only when the fast pillars' index sits within the policy's band
 * around the threshold and nothing short-circuited; otherwise an abstaining verdict says
 * why it was not asked (so the trace still shows every pillar).
 */
async function judgeIfUncertain(judges: readonly Pillar[], trace: readonly PillarVerdict[], input: PillarInput, policy: Policy): Promise<PillarVerdict[]> {
  const band = policy.judge.uncertainBand
  if (trace.some((v) => v.status === 'short-circuit')) {
    return judges.map((j) => abstain(j.id, 'not asked: the fast path decided', 0))
  }
  const fast = composeIndex(trace, policy)
  if (fast && Math.abs(fast.index - policy.threshold) > band) {
    return judges.map((j) => abstain(j.id, `not asked: the index (${fast.index}) is more than ${band} points from the threshold`, 0))
  }
  return Promise.all(judges.map((j) => runPillar(j, input, policy.pillarTimeoutMs)))
}

/** Refuses what the engine cannot route: not text, empty, or longer than the contract allows. */
function checkPrompt(prompt: string): void {
  if (typeof prompt !== 'string') throw new PromptError('prompt must be text')
  if (prompt.length === 0) throw new PromptError('prompt must not be empty')
  if (prompt.length > MAX_PROMPT_CHARS) throw new PromptError(`prompt must be at most ${MAX_PROMPT_CHARS} characters (got ${prompt.length})`)
}

interface PillarRun {
  trace: PillarVerdict[]
  /** Pillars not started because the fast path decided first. */
  skipped: readonly PillarId[]
}

const NONE_SKIPPED: readonly PillarId[] = Object.freeze([])

const NOT_RUN = 'not run: the request pinned the tier, so only the privacy check ran'
/** The same verdict for every pinned request: nothing in it depends on the prompt, and nothing changes a verdict after the fact. */
const NOT_RUN_VERDICTS = Object.fromEntries(PillarId.options.map((id) => [id, Object.freeze(abstain(id, NOT_RUN, 0))])) as Record<PillarId, PillarVerdict>

/**
 * A tier the request chose (a pinned gateway model, the user's pick) leaves the scores
 * nothing to decide: only the privacy check runs (the rules pillar's `checkPrivacy`), which can
 * still pin the prompt local; no complexity analysis, no token count. The other pillars and the
 * combiner are named in the trace as not run. A rules pillar without a privacy-only entry (a
 * stand-in) runs in full, so its privacy pin still holds.
 */
function runPrivacyCheckOnly(
  pillars: readonly Pillar[],
  combiner: CombinerStep | null | undefined,
  input: PillarInput,
  policy: Policy,
): PillarRun | Promise<PillarRun> {
  const results: (PillarVerdict | Promise<PillarVerdict>)[] = []
  let pending = false
  for (const p of pillars) {
    if (p.checkPrivacy) results.push(checkPrivacy(p, input))
    else if (p.id !== 'rules') results.push(NOT_RUN_VERDICTS[p.id])
    else {
      const result = runPillar(p, input, policy.pillarTimeoutMs)
      pending ||= result instanceof Promise
      results.push(result)
    }
  }
  if (combiner) results.push(NOT_RUN_VERDICTS.learned)
  // Synchronous unless a stand-in rules pillar answered with a promise: no promise per request.
  return pending ? Promise.all(results).then((trace) => ({ trace, skipped: NONE_SKIPPED })) : { trace: results as PillarVerdict[], skipped: NONE_SKIPPED }
}

/** The privacy-only entry, held to the same promise as a pillar: a throw becomes an abstention. */
function checkPrivacy(pillar: Pillar, input: PillarInput): PillarVerdict {
  const t0 = performance.now()
  try {
    return pillar.checkPrivacy!(input)
  } catch (error) {
    return abstain(pillar.id, `failed: ${errorMessage(error)}`, msSince(t0))
  }
}

/**
 * Runs the scoring pillars, the combiner and (in 'uncertain' mode) the judge, and returns
 * their verdicts in that order.
 */
async function runPillars(pillars: readonly Pillar[], combiner: CombinerStep | null | undefined, input: PillarInput, policy: Policy): Promise<PillarRun> {
  // Pillars start in order; a synchronous safe-list verdict stops the later (costlier) ones from starting.
  const pending: (PillarVerdict | Promise<PillarVerdict>)[] = []
  const skipped: PillarId[] = []
  // In 'uncertain' mode the judge (a model call) waits until the fast pillars have spoken.
  const deferJudge = policy.judge.enabled && policy.judge.when === 'uncertain'
  const deferred: Pillar[] = []
  let fastPath = false
  for (const pillar of pillars) {
    if (fastPath) {
      skipped.push(pillar.id)
      continue
    }
    if (deferJudge && pillar.id === 'judge') {
      deferred.push(pillar)
      continue
    }
    const result = runPillar(pillar, input, policy.pillarTimeoutMs)
    pending.push(result)
    if (!(result instanceof Promise) && result.status === 'short-circuit' && result.pin === 'safe-list') fastPath = true
  }
  const trace = await Promise.all(pending)
  if (combiner && !fastPath) trace.push(await runCombiner(combiner, input, trace))
  if (deferred.length > 0) trace.push(...(await judgeIfUncertain(deferred, trace, input, policy)))
  return { trace, skipped }
}

interface TierChoice {
  tier: Tier
  pinned: Decision['pinned']
  /** The short-circuit verdict that decided, if one did. */
  gate: PillarVerdict | null
  /** True when private data pinned the prompt local. */
  privacy: boolean
  index: ComplexityIndex | null
  /** The index after any cluster offset. */
  complexity: number
  /** The cluster offset that moved the index, if one did. */
  offset: AppliedClusterOffset | null
}

/**
 * The tier before health has its say: a privacy pin beats every other gate; then the
 * user's explicit choice; then in-prompt gates; otherwise the complexity index, moved by the
 * prompt's cluster offset, against the policy threshold. Also withholds judge reasons that
 * quote private data and names a judge that contradicts the other pillars.
 */
function chooseTier(trace: PillarVerdict[], requested: Tier | undefined, policy: Policy, offsetSources: readonly ClusterOffsetSource[]): TierChoice {
  if (requested) return requestedTier(trace, requested)
  const gates = trace.filter((v) => v.status === 'short-circuit' && v.tier !== undefined)
  const privacyGate = gates.find((v) => v.pin === 'privacy') ?? null
  const gate = privacyGate ?? gates[0] ?? null
  if (privacyGate) withholdQuotedSecrets(trace, policy)
  const index = composeIndex(trace, policy)
  let complexity = index?.index ?? 0
  flagJudge(trace, index)
  // A cluster's offset moves only what the index decides: never a privacy pin or another gate.
  let offset: AppliedClusterOffset | null = null
  if (index && !gate) {
    offset = clusterOffsetFor(complexity, trace, policy, offsetSources)
    if (offset) {
      complexity = offset.after
      showOffset(trace, offset)
    }
  }
  const chosen = { gate, privacy: privacyGate !== null, index, complexity, offset }
  if (privacyGate) return { ...chosen, tier: 'local', pinned: 'privacy' }
  if (gate) return { ...chosen, tier: gate.tier!, pinned: gate.pin ?? 'override' }
  return { ...chosen, tier: index && complexity > policy.threshold ? 'cloud' : 'local', pinned: null }
}

/**
 * The user's explicit choice, unless the privacy check pinned the prompt local. Only that check
 * ran (no model wrote a reason to withhold) and nothing was scored: no index, complexity 0.
 */
function requestedTier(trace: readonly PillarVerdict[], requested: Tier): TierChoice {
  for (const v of trace) {
    if (v.status === 'short-circuit' && v.pin === 'privacy' && v.tier !== undefined) {
      return { tier: 'local', pinned: 'privacy', gate: v, privacy: true, index: null, complexity: 0, offset: null }
    }
  }
  return { tier: requested, pinned: 'override', gate: null, privacy: false, index: null, complexity: 0, offset: null }
}

/**
 * Lets health move the decision to the other tier (never a privacy-pinned prompt to the
 * cloud) and says why; a failing hook leaves the tier as it was.
 */
async function applyHealth(
  hook: TierOverride | undefined,
  choice: TierChoice,
  warn: ((message: string) => void) | undefined,
): Promise<{ tier: Tier; pinned: Decision['pinned']; healthNote: string | null }> {
  const { tier, pinned } = choice
  if (!hook) return { tier, pinned, healthNote: null }
  try {
    const health = await hook({ tier, pinned, complexity: choice.complexity, privacy: choice.privacy })
    if (!health || health.tier === tier) return { tier, pinned, healthNote: null }
    if (choice.privacy && health.tier === 'cloud') {
      return { tier, pinned, healthNote: `${TIER_NAMES.local} is unavailable (${health.reason}), but a privacy-pinned prompt never goes to the cloud.` }
    }
    return {
      tier: health.tier,
      pinned: health.pinned ?? 'health',
      healthNote: `${TIER_NAMES[tier]} is unavailable (${health.reason}), so ${TIER_NAMES[health.tier]} answers instead.`,
    }
  } catch (error) {
    warn?.(`tier override hook failed: ${errorMessage(error)}`)
    return { tier, pinned, healthNote: null }
  }
}

/**
 * The routing engine. For each prompt: count tokens once, run the scoring pillars (the rules
 * fast path may decide alone), combine their scores into the complexity index, pick the tier
 * against the policy threshold, let health override it, let the bandit pick the model, and
 * explain all of it. Nothing is generated: the same call serves simulation.
 */
export function createRouter(deps: RouterDeps): Router {
  const source: PolicySource = isSource(deps.policy) ? deps.policy : { get: () => deps.policy as Policy }
  const bandit = deps.bandit ?? createBandit({ dataDir: deps.dataDir ?? null, policy: () => source.get().bandit, ...(deps.warn ? { warn: deps.warn } : {}) })

  /** The concrete models of a tier; a failing lister leaves the decision without a model. */
  async function armsOf(tier: Tier): Promise<readonly Arm[]> {
    try {
      return deps.listArms ? await deps.listArms(tier) : []
    } catch (error) {
      deps.warn?.(`listing ${tier} models failed: ${errorMessage(error)}`)
      return []
    }
  }

  async function decide(prompt: string, opts: DecideOptions = {}): Promise<Decision> {
    const t0 = performance.now()
    checkPrompt(prompt)
    const policy = source.get()
    // The BPE count only feeds scoring; a pinned tier scores nothing, so its decision carries an estimate.
    const { tokens, exact } = opts.tier ? estimateTokens(prompt) : countTokens(prompt)
    const input: PillarInput = { prompt, tokens, policy }
    if (opts.history?.length) input.history = opts.history
    if (opts.signal) input.signal = opts.signal

    const run = opts.tier ? runPrivacyCheckOnly(deps.pillars, deps.combiner, input, policy) : runPillars(deps.pillars, deps.combiner, input, policy)
    const { trace, skipped } = run instanceof Promise ? await run : run
    const chosen = chooseTier(trace, opts.tier, policy, deps.clusterOffsets ?? [])
    const { tier, pinned, healthNote } = await applyHealth(deps.tierOverride, chosen, deps.warn)
    const choice = bandit.choose(tier, await armsOf(tier))
    trace.push(choice.verdict)

    const { complexity, index, gate } = chosen
    const threshold = policy.threshold
    const explanation = explain({
      tier,
      pinned,
      complexity,
      threshold,
      index,
      arm: choice.arm,
      gate,
      requested: opts.tier ?? null,
      healthNote,
      chosenBeforeHealth: chosen.tier,
      trace,
      skipped,
      clusterOffset: chosen.offset ? describeClusterOffset(chosen.offset) : null,
    })
    return {
      id: randomUUID(),
      tier,
      model: choice.arm?.model ?? null,
      endpoint: choice.arm?.endpoint ?? null,
      complexity,
      ...(opts.tier ? { scored: false as const } : {}),
      threshold,
      explanation,
      pinned,
      trace,
      ms: msSince(t0),
      tokens,
      tokensExact: exact,
    }
  }

  return {
    decide,
    record: (outcome) => {
      bandit.record(outcome)
    },
    bandit,
    policy: () => source.get(),
    close: () => bandit.close(),
  }
}
