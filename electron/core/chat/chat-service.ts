import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ChatStart, ChatStatus, ChatTurn } from '../../../shared/chat'
import type { EndpointConfig } from '../../../shared/endpoints'
import { isPrivacyPinned, type Decision, type Tier } from '../../../shared/decision'
import type { Hop } from '../../../shared/health'
import { costUsd, lookupPrice } from '../cost/prices'
import type { EventBus } from '../lib/event-bus'
import type { Ticket } from '../health/health-monitor'
import { endpointLabel } from '../providers/errors'
import type { ProviderStack } from '../health/provider-stack'
import { DEFAULT_TIMEOUTS } from '../providers/registry'
import { guardAnswer, guardStream } from '../providers/stream-guard'
import { ProviderError, type Arm, type ChatMessage } from '../providers/types'
import { tokensFromChars } from '../engine/tokens'
import { promptForModel, promptKeyOf } from './directive'
import type { ChatOutcome } from './outcome'
import { planArms, type ArmPlan } from './plan'
import { errorMessage } from '../../../shared/errors'

/** What the chat flow needs from the engine: a decision for a prompt. */
export interface DecisionMaker {
  decide(prompt: string, options?: { tier?: Tier; history?: readonly ChatTurn[]; signal?: AbortSignal }): Promise<Decision>
}

/** The end of one generation, as the CLI and the OpenAI-compatible gateway need it. */
export interface ChatResult {
  requestId: string
  phase: 'done' | 'error' | 'aborted'
  decision: Decision | null
  servedBy: Arm | null
  hops: Hop[]
  usage: NonNullable<ChatStatus['usage']> | null
  error?: string
  /** Tokens were streamed before the error: the text is incomplete. */
  interrupted?: boolean
}

export interface ChatServiceOptions {
  /** Attempts per request across arms (failover), default 4. */
  maxAttempts?: number
  /** On a 429 with no other arm left, wait for Retry-After once if it is at most this long (default 10 s). */
  maxRateLimitWaitMs?: number
  /** The clock that times answers (latency, time to first token); tests pass a fake one. Default performance.now. */
  now?: () => number
  /**
   * Waits out a Retry-After before the same arm is tried again; rejects when `signal` aborts.
   * Default a real timer; tests pass one that moves the health monitor's fake clock, so the
   * cooldown and the wait are measured on the same clock.
   */
  waitForRetry?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface ChatServiceDeps {
  router: DecisionMaker
  bus: EventBus
  stack: ProviderStack
  onOutcome?: (outcome: ChatOutcome) => void
  options?: ChatServiceOptions
}

export interface GenerateHooks {
  requestId?: string
  signal?: AbortSignal
  onToken?: (text: string) => void
  onStatus?: (status: ChatStatus) => void
  /**
   * The caller shows nothing before the answer's end (a gateway client that asked for plain
   * JSON): the upstream is asked for the whole answer at once where the provider can, which
   * spares a parse step and a read per delta. `onToken` then gets the answer in one call.
   */
  whole?: boolean
  /**
   * The generation's result, as soon as it is known: before its outcome is recorded
   * (telemetry, learning) and before `generate` resolves, so a caller answering a client
   * can send the answer first and let the bookkeeping run after it.
   */
  onEnd?: (result: ChatResult) => void
}

/** What ending a generation needs: who hears of it, and the input its outcome is recorded for. */
interface Ending {
  input: ChatStart
  emit: (s: ChatStatus) => void
  onEnd: ((result: ChatResult) => void) | undefined
}

/** One generation's plumbing, as generateNow sets it up. */
interface RunContext extends Ending {
  requestId: string
  signal: AbortSignal
  onToken: ((t: string) => void) | undefined
  /** Ask providers that can for the whole answer at once (GenerateHooks.whole). */
  whole: boolean
  /** When the generation started, on the service's clock. */
  started: number
  /** Endpoints an attempt was made on (their claimed probes are spent). */
  tried: Set<string>
}

/** A generation once routed: what every attempt on an arm shares. */
interface Generation extends RunContext {
  decision: Decision
  /** Failed attempts so far, in order. */
  hops: Hop[]
}

/** What one arm's stream produced, for its outcome whether it ends well or not. */
interface Streamed {
  arm: Arm
  ticket: Ticket
  startedAt: number
  /** From the generation's start to the first token. */
  ttftMs: number | null
  /** From this arm's start to its first token (what health measures). */
  armTtftMs: number | null
  chars: number
  usage: { inputTokens: number; outputTokens: number } | null
}

/** Token counts when the provider reported none: the decision's count of the prompt and the answer's characters / 4. */
function estimatedUsage(gen: Generation, chars: number): { inputTokens: number; outputTokens: number } {
  return { inputTokens: gen.decision.tokens ?? tokensFromChars(gen.input.prompt.length), outputTokens: tokensFromChars(chars) }
}

/**
 * The generate flow: analyzing → routing → generating → done | error | aborted, pushed as
 * `chat.status` events, with the answer pushed as `chat.token` events. Attempts walk the
 * planned arms: a failure before the first token moves on to the next arm (recorded in
 * `hops`); a failure after tokens ends the answer with `interrupted: true` and a clear
 * error, never replaying text. Every attempt asks the endpoint's circuit breaker first, so
 * a cooling endpoint is skipped at no cost.
 */
export class ChatService {
  private readonly running = new Map<string, AbortController>()
  /** Every generation not yet ended, however it was started (dashboard, CLI, gateway), and its own stop switch. */
  private readonly ongoing = new Map<AbortController, Promise<ChatResult>>()
  private closed = false
  private readonly maxAttempts: number
  private readonly maxRateLimitWaitMs: number
  private readonly now: () => number
  private readonly waitForRetry: (ms: number, signal: AbortSignal) => Promise<void>

  constructor(private readonly deps: ChatServiceDeps) {
    this.maxAttempts = deps.options?.maxAttempts ?? 4
    this.maxRateLimitWaitMs = deps.options?.maxRateLimitWaitMs ?? 10_000
    this.now = deps.options?.now ?? (() => performance.now())
    this.waitForRetry = deps.options?.waitForRetry ?? ((ms, signal) => sleep(ms, undefined, { signal }))
  }

  start(input: ChatStart): { requestId: string } {
    const requestId = randomUUID()
    const controller = new AbortController()
    this.running.set(requestId, controller)
    // The caller gets the id at once and follows the chat.status events; generate never rejects (a failure ends as an error status).
    void this.generate(input, {
      requestId,
      signal: controller.signal,
      onToken: (text) => this.deps.bus.emit('chat.token', { requestId, text }),
      onStatus: (status) => this.deps.bus.emit('chat.status', status),
    }).finally(() => this.running.delete(requestId))
    return { requestId }
  }

  stop(requestId: string): boolean {
    const controller = this.running.get(requestId)
    if (!controller) return false
    controller.abort()
    return true
  }

  /** Abort everything in flight (host shutdown). */
  stopAll(): void {
    for (const controller of this.running.values()) controller.abort()
  }

  get inFlight(): number {
    return this.running.size
  }

  /**
   * Host shutdown: stop every generation and resolve once each has ended and its outcome was
   * recorded, so the stores closed after this lose nothing. Later generations end at once as
   * aborted.
   */
  async close(): Promise<void> {
    this.closed = true
    for (const controller of this.ongoing.keys()) controller.abort()
    while (this.ongoing.size > 0) await Promise.allSettled([...this.ongoing.values()])
  }

  /** Route and generate one prompt; resolves when it ended (never rejects). */
  generate(input: ChatStart, hooks: GenerateHooks = {}): Promise<ChatResult> {
    const controller = new AbortController()
    const stop = () => controller.abort()
    if (this.closed || hooks.signal?.aborted) stop()
    else hooks.signal?.addEventListener('abort', stop, { once: true })
    const work = this.generateNow(input, { ...hooks, signal: controller.signal })
    this.ongoing.set(controller, work)
    const done = () => {
      this.ongoing.delete(controller)
      hooks.signal?.removeEventListener('abort', stop)
    }
    work.then(done, done)
    return work
  }

  private async generateNow(input: ChatStart, hooks: GenerateHooks & { signal: AbortSignal }): Promise<ChatResult> {
    const requestId = hooks.requestId ?? randomUUID()
    const signal = hooks.signal
    const started = this.now()
    const emit = (status: ChatStatus) => {
      try {
        hooks.onStatus?.({ ...status, elapsedMs: this.now() - started })
      } catch {
        // a broken listener must not break the generation
      }
    }
    emit({ requestId, phase: 'analyzing' })
    const ending: Ending = { input, emit, onEnd: hooks.onEnd }

    let decision: Decision
    try {
      // Everything sent upstream is decided on: the history can pin the conversation local.
      decision = await this.deps.router.decide(input.prompt, {
        ...(input.tier ? { tier: input.tier } : {}),
        ...(input.history?.length ? { history: input.history } : {}),
        signal,
      })
    } catch (error) {
      if (signal.aborted) return this.finish(ending, { requestId, phase: 'aborted', decision: null, servedBy: null, hops: [], usage: null })
      const message = `routing failed: ${errorMessage(error)}`
      return this.finish(ending, { requestId, phase: 'error', decision: null, servedBy: null, hops: [], usage: null, error: message })
    }
    const plan = planArms(decision, this.deps.stack.gate)
    decision = plan.decision
    emit({ requestId, phase: 'routing', decision })
    if (signal.aborted) return this.finish(ending, { requestId, phase: 'aborted', decision, servedBy: null, hops: [], usage: null })
    if ('error' in plan) {
      const failed: ChatResult = { requestId, phase: 'error', decision, servedBy: null, hops: [], usage: null, error: plan.error }
      return this.finish(ending, failed, {
        requestId,
        decision,
        ok: false,
        aborted: false,
        ttftMs: null,
        totalMs: this.now() - started,
        inputTokens: 0,
        outputTokens: 0,
        servedBy: null,
        hops: [],
        costUsd: 0,
      })
    }
    const tried = new Set<string>()
    try {
      return await this.attempt(input, decision, plan, { ...ending, requestId, signal, onToken: hooks.onToken, whole: hooks.whole ?? false, started, tried })
    } finally {
      for (const endpoint of plan.claimedProbes) if (!tried.has(endpoint)) this.deps.stack.gate.releaseProbe(endpoint)
    }
  }

  /**
   * Walks the planned arms: skips those blocked, missing the model or cooling down; a failure
   * before the first token records a hop and moves on (after one Retry-After wait when a
   * rate-limited arm is the last one left).
   */
  private async attempt(input: ChatStart, decision: Decision, plan: Extract<ArmPlan, { arms: Arm[] }>, run: RunContext): Promise<ChatResult> {
    const { health, gate } = this.deps.stack
    const messages: ChatMessage[] = [...(input.history ?? []), { role: 'user', content: promptForModel(input.prompt, decision) }]
    const gen: Generation = { ...run, input, decision, hops: [] }
    let attempts = 0
    let waitedForRateLimit = false
    let last: Arm | null = null

    for (let i = 0; i < plan.arms.length && attempts < this.maxAttempts; i++) {
      const arm = plan.arms[i]!
      if (gen.signal.aborted) break
      // Things change while we fail over (a sibling request found the network down, a cap was reached).
      if (arm.tier === 'cloud' && gate.cloudBlock()) continue
      if (health.modelMissing(arm.endpoint, arm.model)) continue
      const ticket = health.acquire(arm.endpoint)
      if (!ticket) continue // cooling down: skipping it costs nothing
      gen.tried.add(arm.endpoint)
      attempts += 1
      last = arm
      const servedBy = { tier: arm.tier, endpoint: arm.endpoint, model: arm.model }
      gen.emit({ requestId: gen.requestId, phase: 'generating', decision, servedBy, ...(gen.hops.length ? { hops: [...gen.hops] } : {}) })

      const ended = await this.tryArm(gen, arm, ticket, messages)
      if (!(ended instanceof ProviderError)) return ended
      gen.hops.push({
        endpoint: arm.endpoint,
        model: arm.model,
        tier: arm.tier,
        error: ended.errorClass,
        message: ended.message,
        ...(ended.retryAfterMs !== undefined ? { retryAfterMs: ended.retryAfterMs } : {}),
      })
      const othersLeft = plan.arms.slice(i + 1).some((a) => gate.usable(a))
      if (ended.errorClass === 'rate-limited' && !waitedForRateLimit && !othersLeft) {
        const wait = ended.retryAfterMs ?? 1000
        if (wait <= this.maxRateLimitWaitMs) {
          waitedForRateLimit = true
          try {
            await this.waitForRetry(wait, gen.signal)
            // The cooldown ends on the health monitor's clock, which a timer can beat by a millisecond: wait out the rest once.
            const left = health.health(arm.endpoint).cooldownRemainingMs
            if (left) await this.waitForRetry(left, gen.signal)
          } catch {
            break // stopped while waiting
          }
          i -= 1 // the same arm once more: its circuit lets one probe through after Retry-After
        }
      }
    }
    return this.exhausted(gen, last)
  }

  /**
   * Streams one arm's answer. Resolves to the generation's end (done, aborted, or interrupted
   * after tokens reached the user), or to the provider error when the arm failed before its
   * first token and the next arm may try.
   */
  private async tryArm(gen: Generation, arm: Arm, ticket: Ticket, messages: ChatMessage[]): Promise<ChatResult | ProviderError> {
    const { registry } = this.deps.stack
    const streamed: Streamed = { arm, ticket, startedAt: this.now(), ttftMs: null, armTtftMs: null, chars: 0, usage: null }
    try {
      const provider = await registry.provider(arm.endpoint)
      if (gen.whole && provider.complete) {
        const complete = provider.complete.bind(provider)
        const timeoutMs = (registry.timeouts.answerMs ?? DEFAULT_TIMEOUTS.answerMs)[arm.tier]
        const answer = await guardAnswer((s) => complete({ model: arm.model, messages, signal: s, timeoutMs }), {
          timeoutMs,
          signal: gen.signal,
          label: endpointLabel(provider.endpoint),
        })
        // No time to first token is recorded for a whole answer: the first text arrives with the
        // last, and health judges an endpoint slow by its first-token time against its usual
        // one, so a total latency there would read as a slow start. Health gets the total.
        streamed.chars = answer.text.length
        if (answer.usage) streamed.usage = answer.usage
        if (answer.text) gen.onToken?.(answer.text)
        return this.succeeded(gen, streamed, provider.endpoint)
      }
      const stream = guardStream((s) => provider.stream({ model: arm.model, messages, signal: s }), {
        firstTokenTimeoutMs: registry.timeouts.firstTokenMs[arm.tier],
        idleTimeoutMs: registry.timeouts.idleMs,
        signal: gen.signal,
        label: endpointLabel(provider.endpoint),
      })
      for await (const chunk of stream) {
        if (chunk.text) {
          const now = this.now()
          streamed.ttftMs ??= now - gen.started
          streamed.armTtftMs ??= now - streamed.startedAt
          streamed.chars += chunk.text.length
          gen.onToken?.(chunk.text)
        }
        if (chunk.usage) streamed.usage = chunk.usage
      }
      return this.succeeded(gen, streamed, provider.endpoint)
    } catch (caught) {
      return this.failed(gen, streamed, caught)
    }
  }

  /** The arm answered in full: health, network and spend learn of it, and the generation is done. */
  private succeeded(gen: Generation, streamed: Streamed, endpoint: EndpointConfig): ChatResult {
    const { health, network, costs } = this.deps.stack
    const { arm, ttftMs } = streamed
    const latencyMs = this.now() - streamed.startedAt
    const used = streamed.usage ?? estimatedUsage(gen, streamed.chars)
    const cost = costUsd(lookupPrice(endpoint, arm.model, costs.prices).price, used)
    const totalMs = this.now() - gen.started
    const { requestId, decision, hops } = gen
    // Health and spend learn of it right after the caller has the result, in the same turn of
    // the event loop: no other request runs in between, so none decides on stale figures.
    const settle = () => {
      health.success(arm.endpoint, streamed.ticket, { latencyMs, ttftMs: streamed.armTtftMs })
      if (arm.tier === 'cloud') network.reportReachable()
      costs.record(cost)
    }
    return this.finish(
      gen,
      { requestId, phase: 'done', decision, servedBy: arm, hops, usage: { ...used, ttftMs, totalMs, costUsd: cost } },
      { requestId, decision, ok: true, aborted: false, ttftMs, totalMs, ...used, servedBy: arm, hops, costUsd: cost },
      settle,
    )
  }

  /**
   * The arm failed: health learns why (a stop is no fault of the endpoint). A stop ends the
   * generation as aborted; a failure after tokens ends it as interrupted, since switching arms
   * would repeat or contradict text the user already has; otherwise the error is returned so
   * the next arm may try.
   */
  private failed(gen: Generation, streamed: Streamed, caught: unknown): ChatResult | ProviderError {
    const { registry, health, network, costs } = this.deps.stack
    const { arm, ticket, ttftMs, chars } = streamed
    const error = caught instanceof ProviderError ? caught : new ProviderError('unavailable', `${arm.endpoint}: generation failed`)
    const latencyMs = this.now() - streamed.startedAt
    const aborted = error.errorClass === 'aborted' || gen.signal.aborted
    if (aborted) health.release(arm.endpoint, ticket)
    else health.failure(arm.endpoint, ticket, error, { latencyMs })
    if (error.errorClass === 'model-missing') health.markModelMissing(arm.endpoint, arm.model)
    if (error.errorClass === 'offline') network.reportNetworkDown(error.message)
    const totalMs = this.now() - gen.started
    const partial = estimatedUsage(gen, chars)
    const { requestId, decision, hops } = gen
    if (aborted) {
      return this.finish(
        gen,
        { requestId, phase: 'aborted', decision, servedBy: arm, hops, usage: null },
        { requestId, decision, ok: false, aborted: true, ttftMs, totalMs, ...partial, servedBy: arm, hops, costUsd: 0 },
      )
    }
    if (chars === 0) return error
    const endpoint = registry.endpoint(arm.endpoint)
    const cost = endpoint ? costUsd(lookupPrice(endpoint, arm.model, costs.prices).price, partial) : 0
    costs.record(cost)
    return this.finish(
      gen,
      {
        requestId,
        phase: 'error',
        decision,
        servedBy: arm,
        hops,
        usage: { ...partial, ttftMs, totalMs, costUsd: cost },
        interrupted: true,
        error: `The answer was interrupted after ${partial.outputTokens} tokens: ${error.message}. The text above is incomplete.`,
      },
      { requestId, decision, ok: false, aborted: false, ttftMs, totalMs, ...partial, servedBy: arm, hops, costUsd: cost },
    )
  }

  /** No arm answered (or the user stopped while failing over): the error names every hop. */
  private exhausted(gen: Generation, last: Arm | null): ChatResult {
    const { requestId, decision, hops } = gen
    const totalMs = this.now() - gen.started
    const aborted = gen.signal.aborted
    const outcome = { requestId, decision, ok: false, aborted, ttftMs: null, totalMs, inputTokens: 0, outputTokens: 0, servedBy: last, hops, costUsd: 0 }
    if (aborted) return this.finish(gen, { requestId, phase: 'aborted', decision, servedBy: last, hops, usage: null }, outcome)
    const error = exhaustedMessage(decision, hops, this.deps.stack.gate.whyUnavailable(decision.tier))
    return this.finish(gen, { requestId, phase: 'error', decision, servedBy: last, hops, usage: null, error }, outcome)
  }

  private outcome(input: ChatStart, outcome: ChatOutcome): void {
    try {
      this.deps.onOutcome?.({ ...outcome, retryOf: input.retryOf ?? null, promptKey: promptKeyOf(promptForModel(input.prompt, outcome.decision)) })
    } catch {
      // telemetry must not break a generation
    }
  }

  /**
   * Ends a generation: the final status and `onEnd` first, then `settle` (health, spend) and
   * the outcome (telemetry, learning), so a client waiting on the answer never waits on the
   * bookkeeping.
   */
  private finish(ending: Ending, result: ChatResult, outcome?: ChatOutcome, settle?: () => void): ChatResult {
    const servedBy = result.servedBy ? { tier: result.servedBy.tier, endpoint: result.servedBy.endpoint, model: result.servedBy.model } : undefined
    ending.emit({
      requestId: result.requestId,
      phase: result.phase,
      ...(result.decision ? { decision: result.decision } : {}),
      ...(servedBy ? { servedBy } : {}),
      ...(result.usage ? { usage: result.usage } : {}),
      ...(result.hops.length ? { hops: result.hops } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...(result.interrupted ? { interrupted: true } : {}),
    })
    try {
      ending.onEnd?.(result)
    } catch {
      // a broken listener must not lose the outcome
    }
    settle?.()
    if (outcome) this.outcome(ending.input, outcome)
    return result
  }
}

function exhaustedMessage(decision: Decision, hops: readonly Hop[], whyNone: string): string {
  const clause = (text: string) => text.replace(/[.\s]+$/, '')
  const privacy = isPrivacyPinned(decision)
  const prefix = privacy ? 'This prompt holds private data, so it stays on this machine and is not sent to the cloud. ' : ''
  if (hops.length === 0) return `${prefix}No endpoint could take the request: ${clause(whyNone)}.`
  if (hops.every((h) => h.error === 'context-length')) {
    return `The prompt is too long for every available model: ${hops.map((h) => clause(h.message)).join('; ')}.`
  }
  const tried = hops.map((h) => `${h.endpoint} (${h.model}): ${clause(h.message)}`).join('; ')
  return `${prefix}No endpoint could answer. Tried ${tried}.`
}
