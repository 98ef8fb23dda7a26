// Test support for the chat flow, the fault-injection suite and the load bench: wires a
// provider stack to given endpoints with the real router over a scripted pillar. Not imported
// by the product.
import type { z } from 'zod'
import type { ChatStatus } from '../../shared/chat'
import type { Tier } from '../../shared/decision'
import type { EndpointConfig } from '../../shared/endpoints'
import { DEFAULT_POLICY } from '../../shared/policy'
import { createRouter } from '../../electron/core/engine/router'
import { createBandit } from '../../electron/core/pillars/bandit'
import type { Pillar } from '../../electron/core/pillars/pillar'
import { EventBus } from '../../electron/core/lib/event-bus'
import type { HealthOptions } from '../../electron/core/health/health-monitor'
import type { NetworkProbe } from '../../electron/core/health/network'
import { routerHooks } from '../../electron/core/health/router-hooks'
import { OllamaBridge } from '../../electron/core/ollama/bridge'
import { StaticEndpointSource } from '../../electron/core/providers/endpoint-source'
import type { Timeouts } from '../../electron/core/providers/registry'
import { createProviderStack, type ProviderStack } from '../../electron/core/health/provider-stack'
import { ChatService, type ChatResult, type DecisionMaker } from '../../electron/core/chat/chat-service'
import type { ChatOutcome } from '../../electron/core/chat/outcome'

/** A fake clock the health monitor reads; tests move it instead of waiting. */
export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  readonly now = () => this.t
  advance(ms: number): void {
    this.t += ms
  }
}

/**
 * Waits `ms` by moving `clock` (at once), or rejects as a real wait would if `signal` already aborted.
 * `earlyMs` ends the first wait that much before `ms`, as a real timer can against `Date.now()`.
 */
function waitOnClock(clock: FakeClock, earlyMs = 0): (ms: number, signal: AbortSignal) => Promise<void> {
  let early = earlyMs
  return async (ms, signal) => {
    signal.throwIfAborted()
    clock.advance(Math.max(0, ms - early))
    early = 0
  }
}

export interface ScriptedRoute {
  tier: Tier
  /** The prompt holds private data: pin it to local, as the rules pillar's privacy gate does. */
  privacy?: boolean
}

/**
 * The real router, driven by a scripted rules pillar in place of the bundled ones: a cloud
 * route scores 80 and a local one 20 against the default threshold (65); a private one
 * short-circuits with the privacy pin. Health reaches it through the real hooks, and its
 * bandit never explores (and is never fed back here), so the first usable arm of the tier
 * answers and fault tests are deterministic.
 */
export function scriptedRouter(stack: ProviderStack, route: ScriptedRoute | ((prompt: string) => ScriptedRoute)): DecisionMaker {
  const hooks = routerHooks(stack.gate)
  const rules: Pillar = {
    id: 'rules',
    evaluate({ prompt }) {
      const r = typeof route === 'function' ? route(prompt) : route
      if (r.privacy)
        return { pillar: 'rules', status: 'short-circuit', score: null, confidence: 1, reason: 'holds an e-mail address', ms: 0, tier: 'local', pin: 'privacy' }
      return { pillar: 'rules', status: 'scored', score: r.tier === 'cloud' ? 80 : 20, confidence: 1, reason: `scripted ${r.tier} route`, ms: 0 }
    },
  }
  const bandit = createBandit({ dataDir: null, policy: () => DEFAULT_POLICY.bandit, random: () => 0.99 })
  return createRouter({ policy: DEFAULT_POLICY, pillars: [rules], listArms: hooks.listArms, tierOverride: hooks.tierOverride, bandit })
}

export interface HarnessOptions {
  endpoints: Array<z.input<typeof EndpointConfig>>
  keys?: Record<string, string>
  route: ScriptedRoute | ((prompt: string) => ScriptedRoute)
  /** Ollama address for the endpoint with id "ollama" (pinned, no auto-detection of the defaults). */
  ollamaUrl?: string
  clock?: FakeClock
  health?: HealthOptions
  timeouts?: Timeouts
  env?: NodeJS.ProcessEnv
  cloudFetch?: typeof fetch
  networkProbe?: NetworkProbe
  dataDir?: string | null
  maxAttempts?: number
  maxRateLimitWaitMs?: number
  /** The first Retry-After wait on `clock` ends this many ms early (a timer that beats the clock it is checked against). */
  retryWaitEarlyMs?: number
  log?: (line: string) => void
  /** Time answers (latency, time to first token) with `clock` instead of the real clock. */
  timeAnswersWithClock?: boolean
  /** Keep every outcome in `outcomes` (default true; the load bench turns it off). */
  keepOutcomes?: boolean
}

export interface RunResult {
  result: ChatResult
  text: string
  statuses: ChatStatus[]
}

export interface Harness {
  stack: ProviderStack
  chat: ChatService
  bus: EventBus
  source: StaticEndpointSource
  outcomes: ChatOutcome[]
  run(prompt: string, options?: { tier?: Tier; signal?: AbortSignal }): Promise<RunResult>
  close(): void
}

export const FAST_TIMEOUTS: Timeouts = { firstTokenMs: { local: 1500, cloud: 1500 }, idleMs: 400 }

export function createHarness(o: HarnessOptions): Harness {
  const source = new StaticEndpointSource(o.endpoints, o.keys ?? {})
  // A stopped double refuses at once; the long bound only keeps a loaded machine from calling a live one down.
  const bridge = new OllamaBridge({ hosts: [o.ollamaUrl ?? 'http://127.0.0.1:9'], probeTimeoutMs: 10_000 })
  const stack = createProviderStack({
    env: o.env ?? {},
    dataDir: o.dataDir ?? null,
    bridge,
    source,
    ...(o.clock ? { now: o.clock.now } : {}),
    ...(o.health ? { health: o.health } : {}),
    timeouts: o.timeouts ?? FAST_TIMEOUTS,
    ...(o.cloudFetch ? { cloudFetch: o.cloudFetch } : {}),
    networkProbe: o.networkProbe ?? (async () => true),
    ...(o.log ? { log: o.log } : {}),
  })
  const bus = new EventBus()
  const outcomes: ChatOutcome[] = []
  const chat = new ChatService({
    router: scriptedRouter(stack, o.route),
    bus,
    stack,
    onOutcome: (outcome) => {
      if (o.keepOutcomes !== false) outcomes.push(outcome)
    },
    options: {
      ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.maxRateLimitWaitMs !== undefined ? { maxRateLimitWaitMs: o.maxRateLimitWaitMs } : {}),
      ...(o.timeAnswersWithClock && o.clock ? { now: o.clock.now } : {}),
      // A Retry-After is waited out on the fake clock the health monitor reads, without a real timer.
      ...(o.clock ? { waitForRetry: waitOnClock(o.clock, o.retryWaitEarlyMs) } : {}),
    },
  })
  return {
    stack,
    chat,
    bus,
    source,
    outcomes,
    async run(prompt, options = {}) {
      let text = ''
      const statuses: ChatStatus[] = []
      const result = await chat.generate(
        { prompt, ...(options.tier ? { tier: options.tier } : {}) },
        { ...(options.signal ? { signal: options.signal } : {}), onToken: (t) => (text += t), onStatus: (s) => statuses.push(s) },
      )
      return { result, text, statuses }
    },
    close() {
      stack.close()
    },
  }
}

/** Endpoint configs for the doubles. */
export function ollamaEndpoint(url: string, models: string[] = []): z.input<typeof EndpointConfig> {
  return { id: 'ollama', name: 'Ollama', provider: 'ollama', baseURL: url, tier: 'local', models }
}

export function cloudEndpoint(
  id: string,
  url: string,
  models: string[],
  prices: Record<string, { inputPerMTok: number; outputPerMTok: number }> = {},
): z.input<typeof EndpointConfig> {
  return { id, name: id, provider: 'custom', baseURL: url, tier: 'cloud', models, prices }
}
