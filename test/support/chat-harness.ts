// Test support for the chat flow, the fault-injection suite and the load bench: wires a
// provider stack to given endpoints with a stand-in router. Not imported by the product.
import type { z } from 'zod'
import type { ChatStatus } from '../../shared/chat'
import type { Decision, Tier } from '../../shared/decision'
import type { EndpointConfig } from '../../shared/endpoints'
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

export interface StubRoute {
  tier: Tier
  pinned?: Decision['pinned']
  /** Adds a rules verdict pinning the prompt to local for privacy. */
  privacy?: boolean
}

/**
 * A stand-in for the engine that behaves like it at the seams health cares about: it asks
 * the tier-override hook, then takes the first usable arm of the tier (no exploration, so
 * fault tests are deterministic).
 */
export function stubRouter(stack: ProviderStack, route: StubRoute | ((prompt: string) => StubRoute)): DecisionMaker {
  const hooks = routerHooks(stack.gate)
  return {
    async decide(prompt, options) {
      const r = typeof route === 'function' ? route(prompt) : route
      let tier: Tier = options?.tier ?? r.tier
      let pinned: Decision['pinned'] = r.privacy ? 'privacy' : options?.tier ? 'override' : (r.pinned ?? null)
      let explanation = `Routing to ${tier}.`
      const override = await hooks.tierOverride({ tier, pinned, privacy: r.privacy ?? false })
      if (override && !(r.privacy && override.tier === 'cloud')) {
        explanation += ` ${tier === 'local' ? 'Local' : 'Cloud'} is unavailable (${override.reason}).`
        tier = override.tier
        pinned = override.pinned ?? 'health'
      }
      const arm = hooks.listArms(tier)[0] ?? null
      return {
        id: `d-${Math.random().toString(36).slice(2)}`,
        tier,
        model: arm?.model ?? null,
        endpoint: arm?.endpoint ?? null,
        complexity: tier === 'cloud' ? 80 : 20,
        threshold: 65,
        explanation,
        pinned,
        trace: r.privacy
          ? [{ pillar: 'rules', status: 'short-circuit', score: null, confidence: 1, reason: 'holds an e-mail address', ms: 0, tier: 'local', pin: 'privacy' }]
          : [],
        ms: 0.1,
        tokens: Math.ceil(prompt.length / 4),
      }
    },
  }
}

export interface HarnessOptions {
  endpoints: Array<z.input<typeof EndpointConfig>>
  keys?: Record<string, string>
  route: StubRoute | ((prompt: string) => StubRoute)
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
    router: stubRouter(stack, o.route),
    bus,
    stack,
    onOutcome: (outcome) => {
      if (o.keepOutcomes !== false) outcomes.push(outcome)
    },
    options: {
      ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.maxRateLimitWaitMs !== undefined ? { maxRateLimitWaitMs: o.maxRateLimitWaitMs } : {}),
      ...(o.timeAnswersWithClock && o.clock ? { now: o.clock.now } : {}),
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

export function cloudEndpoint(id: string, url: string, models: string[], prices: Record<string, { inputPerMTok: number; outputPerMTok: number }> = {}): z.input<typeof EndpointConfig> {
  return { id, name: id, provider: 'custom', baseURL: url, tier: 'cloud', models, prices }
}
