import { isPrivacyPinned, type Decision, type PillarVerdict, type Tier } from '../../../shared/decision'
import type { EndpointConfig } from '../../../shared/endpoints'
import type { DataFileProblem, EndpointState, EndpointStatus, EndpointsReport } from '../../../shared/health'
import type { CostStore } from '../cost/cost-store'
import { endpointLabel } from '../providers/errors'
import type { ProviderRegistry } from '../providers/registry'
import type { Arm } from '../providers/types'
import type { HealthMonitor } from './health-monitor'
import type { NetworkMonitor } from './network'

/** What the router passes to the tier-override hook. */
export interface TierOverrideInput {
  tier: Tier
  pinned: Decision['pinned']
  /** The pillars' verdicts; a `pin: 'privacy'` verdict forbids the cloud. */
  trace?: readonly PillarVerdict[]
}

/**
 * The hook's answer: null = keep the tier; `tier` = switch (health, offline or budget), with
 * `reason` a clause for "<tier> is unavailable (<reason>)"; `error` = the prompt cannot be answered (privacy-pinned
 * and Ollama down, budget refused, nothing configured), with a message for the user.
 */
export type TierOverrideResult = { tier: Tier; pinned: 'health' | 'offline' | 'budget'; reason: string } | { error: string; pinned: Decision['pinned'] }

export interface RoutingGateDeps {
  registry: ProviderRegistry
  health: HealthMonitor
  network: NetworkMonitor
  costs: CostStore
  /** Damaged data files, for the report. */
  problems?: () => DataFileProblem[]
}

type CloudBlock = { pinned: 'offline' | 'budget'; reason: string; refuse: boolean } | null

/**
 * Where health meets routing. It gives the engine the two hooks it asks for:
 * `listArms(tier)` — the arms usable now, best first (open circuits, missing models, the
 * cloud while offline or over budget are left out) — and `tierOverride` — cloud degraded,
 * offline or over budget → local; Ollama down → cloud unless the prompt must stay local.
 */
export class RoutingGate {
  constructor(private readonly deps: RoutingGateDeps) {}

  /** Resolves when the endpoints were discovered (see ProviderRegistry.ensureDiscovered); never rejects. */
  discovered(): Promise<void> {
    return this.deps.registry.ensureDiscovered()
  }

  /** Why the cloud may not be used now, or null. */
  cloudBlock(): CloudBlock {
    const { network, costs } = this.deps
    if (network.offline) {
      return { pinned: 'offline', reason: network.status().reason ?? 'offline', refuse: false }
    }
    const breach = costs.breach()
    if (breach) return { pinned: 'budget', reason: breach.action === 'refuse' ? breach.message : breach.short, refuse: breach.action === 'refuse' }
    return null
  }

  /** Whether one arm may be tried now (does not take the half-open probe slot). */
  usable(arm: Arm): boolean {
    return this.usableWith(arm, null)
  }

  /** `usable`, given whether the cloud is blocked when the caller knows (a list asks once for all its arms); null = ask if needed. */
  private usableWith(arm: Arm, cloudBlocked: boolean | null): boolean {
    const { registry, health } = this.deps
    const endpoint = registry.endpoint(arm.endpoint)
    if (!endpoint?.enabled) return false
    if (endpoint.tier === 'cloud' && ((cloudBlocked ?? this.cloudBlock() !== null) || registry.keyState(endpoint.id) === 'missing')) return false
    if (endpoint.provider === 'ollama' && endpoint.models.length === 0) {
      const ollama = registry.ollama(endpoint)
      if (!ollama.detected && ollama.models.length === 0) return false
    }
    return health.available(arm.endpoint) && !health.modelMissing(arm.endpoint, arm.model)
  }

  /**
   * Whether this request should go to the arm first as a probe: its circuit is half-open, or
   * it is degraded and due for its periodic live probe (claimed here, one per interval).
   */
  claimProbe(arm: Arm, allowDegraded = true): 'half-open' | 'degraded' | null {
    const { health } = this.deps
    if (health.condition(arm.endpoint).breaker === 'half-open') return 'half-open'
    return allowDegraded && health.claimDegradedProbe(arm.endpoint) ? 'degraded' : null
  }

  /** Give back a degraded probe the request never used. */
  releaseProbe(endpoint: string): void {
    this.deps.health.releaseDegradedProbe(endpoint)
  }

  /**
   * Arms of a tier usable now, best first: an endpoint whose cooldown just ended comes first
   * (a live request is its probe: if it fails, failover before the first token is invisible,
   * and it costs one try per cooldown), then healthy ones, then degraded ones, each group in
   * configured order. When every arm is usable and already in that order (the usual case) this
   * is the registry's own array: nothing is copied per request.
   */
  listArms(tier: Tier): readonly Arm[] {
    const arms = this.deps.registry.arms(tier)
    const cloudBlocked = tier === 'cloud' && arms.length > 0 ? this.cloudBlock() !== null : null
    let previous = 0
    let inOrder = true
    for (const arm of arms) {
      const rank = this.rank(arm)
      if (rank < previous || !this.usableWith(arm, cloudBlocked)) {
        inOrder = false
        break
      }
      previous = rank
    }
    return inOrder ? arms : this.usableByRank(arms, cloudBlocked)
  }

  /** The usable ones of `arms`, by rank (kept apart from listArms, whose usual path then allocates no closure context). */
  private usableByRank(arms: readonly Arm[], cloudBlocked: boolean | null): Arm[] {
    // Array.prototype.sort is stable: configured order within a rank.
    return arms.filter((arm) => this.usableWith(arm, cloudBlocked)).sort((a, b) => this.rank(a) - this.rank(b))
  }

  /** 0 half-open (due for its probe), 1 healthy, 2 degraded. */
  private rank(arm: Arm): number {
    const h = this.deps.health.condition(arm.endpoint)
    if (h.breaker === 'half-open') return 0
    return h.degraded ? 2 : 1
  }

  /** Every arm degraded, and none due for its periodic probe. */
  private allDegraded(arms: readonly Arm[]): boolean {
    const { health } = this.deps
    return arms.length > 0 && arms.every((a) => health.condition(a.endpoint).degraded && !health.degradedProbeDue(a.endpoint))
  }

  /** A sentence on why no arm of a tier is usable. */
  whyUnavailable(tier: Tier): string {
    const { registry } = this.deps
    const endpoints = registry.all().filter((e) => e.tier === tier && e.enabled)
    if (endpoints.length === 0) {
      return tier === 'local'
        ? 'no local endpoint is configured'
        : 'no cloud endpoint is configured (set ROUTELLM_CLOUD_BASE_URL, ROUTELLM_CLOUD_API_KEY and ROUTELLM_CLOUD_MODEL, or add one in Settings)'
    }
    if (tier === 'cloud') {
      const block = this.cloudBlock()
      if (block) return block.reason
    }
    const reasons = endpoints.map((e) => `${endpointLabel(e)}: ${this.endpointProblem(e) ?? 'busy'}`)
    return reasons.join('; ')
  }

  private endpointProblem(e: EndpointConfig): string | null {
    const { registry, health } = this.deps
    if (e.provider === 'ollama') {
      const ollama = registry.ollama(e)
      if (!ollama.detected && ollama.models.length === 0 && e.models.length === 0) {
        return 'Ollama is not running or not reachable (start it with `ollama serve`, or set OLLAMA_HOST)'
      }
      if (registry.modelsOf(e).length === 0) return 'no model is installed (run e.g. `ollama pull llama3.2`)'
    } else {
      if (registry.keyState(e.id) === 'missing') return 'no API key is set'
      if (registry.modelsOf(e).length === 0) return 'no model is configured'
    }
    const h = health.health(e.id)
    if (h.breaker === 'open') {
      const wait = h.cooldownRemainingMs === null ? '' : `, next try in ${Math.ceil(h.cooldownRemainingMs / 1000)} s`
      const label = endpointLabel(e)
      const reason = (h.reason ?? 'errors').replace(/[.\s]+$/, '')
      const own = reason.startsWith(`${label}: `) ? reason.slice(label.length + 2) : reason.startsWith(`${label} `) ? reason.slice(label.length + 1) : reason
      return `${h.misconfigured ? 'misconfigured' : 'cooling down'}: ${own}${wait}`
    }
    if (h.breaker === 'half-open') return 'recovering (a probe request is in flight)'
    return null
  }

  /** Health, offline or budget moving a request to the other tier, or why it cannot be answered; null keeps the tier. */
  tierOverride(input: TierOverrideInput): TierOverrideResult | null {
    return input.tier === 'cloud' ? this.cloudOverride() : this.localOverride(input)
  }

  /** A cloud request asks for the local arms only when the cloud cannot take it. */
  private cloudOverride(): TierOverrideResult | null {
    const block = this.cloudBlock()
    if (block) {
      if (block.refuse) return { error: block.reason, pinned: 'budget' }
      if (this.listArms('local').length > 0) return { tier: 'local', pinned: block.pinned, reason: block.reason }
      return { error: `${block.reason}, and no local model is available: ${this.whyUnavailable('local')}.`, pinned: block.pinned }
    }
    const cloudArms = this.listArms('cloud')
    if (cloudArms.length === 0) {
      const why = this.whyUnavailable('cloud')
      if (this.listArms('local').length > 0) return { tier: 'local', pinned: 'health', reason: `no cloud endpoint is available: ${why}` }
      return { error: `No model is available. Cloud: ${why}. Local: ${this.whyUnavailable('local')}.`, pinned: 'health' }
    }
    const { health } = this.deps
    if (this.allDegraded(cloudArms) && this.listArms('local').some((a) => !health.condition(a.endpoint).degraded)) {
      const why = cloudArms.map((a) => `${a.endpoint}: ${health.condition(a.endpoint).reason ?? 'degraded'}`).join('; ')
      return { tier: 'local', pinned: 'health', reason: `the cloud is degraded: ${why}` }
    }
    return null
  }

  private localOverride(input: TierOverrideInput): TierOverrideResult | null {
    if (this.listArms('local').length > 0) return null
    const whyLocal = this.whyUnavailable('local')
    if (isPrivacyPinned(input)) {
      return {
        error: `This prompt holds private data, so it stays on this machine and is not sent to the cloud, but no local model is available: ${whyLocal}.`,
        pinned: 'privacy',
      }
    }
    if (input.pinned === 'override') {
      return { error: `You asked for the local model, but none is available: ${whyLocal}.`, pinned: 'override' }
    }
    const block = this.cloudBlock()
    if (block) return { error: `No local model is available (${whyLocal}), and the cloud is off: ${block.reason}`, pinned: block.pinned }
    if (this.listArms('cloud').length === 0) {
      return { error: `No model is available. Local: ${whyLocal}. Cloud: ${this.whyUnavailable('cloud')}.`, pinned: 'health' }
    }
    return { tier: 'cloud', pinned: 'health', reason: `no local model is available: ${whyLocal}` }
  }

  /** Every endpoint's state for the dashboard (no secrets). */
  report(): EndpointsReport {
    const { registry, health, network } = this.deps
    const offline = network.offline
    const endpoints: EndpointStatus[] = registry.all().map((e) => {
      const h = health.health(e.id)
      const problem = this.endpointProblem(e)
      let state: EndpointState
      let reason: string | null = h.reason
      if (!e.enabled) [state, reason] = ['disabled', 'turned off in settings']
      else if (e.tier === 'cloud' && offline) [state, reason] = ['offline', network.status().reason]
      else if (h.misconfigured || (e.tier === 'cloud' && registry.keyState(e.id) === 'missing')) [state, reason] = ['misconfigured', problem]
      else if (h.breaker !== 'closed') state = h.breaker
      else if (e.provider === 'ollama' && registry.modelsOf(e).length === 0) [state, reason] = ['unreachable', problem]
      else if (e.provider === 'ollama' && !registry.ollama(e).detected) [state, reason] = ['unreachable', 'not reachable at the last probe']
      else state = h.degraded ? 'degraded' : 'healthy'
      const url = new URL(e.baseURL)
      url.username = ''
      url.password = ''
      return {
        id: e.id,
        name: e.name,
        provider: e.provider,
        tier: e.tier,
        baseURL: url.toString().replace(/\/$/, ''),
        models: [...registry.modelsOf(e)],
        state,
        reason,
        samples: h.stats.samples,
        errorRate: h.stats.errorRate,
        latencyMs: h.stats.latencyMs,
        ttftMs: h.stats.ttftMs,
        cooldownRemainingMs: h.cooldownRemainingMs,
        lastError: h.lastError ? { error: h.lastError.error, message: h.lastError.message, at: new Date(h.lastError.at).toISOString() } : null,
        key: registry.keyState(e.id),
      }
    })
    return { network: network.status(), endpoints, problems: this.deps.problems?.() ?? [] }
  }
}
