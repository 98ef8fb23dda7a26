import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeJsonAtomic } from '../atomic-file'
import { CostStore } from '../cost/cost-store'
import { HealthMonitor, type HealthOptions } from '../health/health-monitor'
import { NetworkMonitor, type NetworkProbe } from '../health/network'
import { RoutingGate } from '../health/routing-gate'
import type { EndpointsReport } from '../../../shared/health'
import type { OllamaBridge } from '../ollama/bridge'
import { EnvEndpointSource, type EndpointSource } from './endpoint-source'
import { ProviderRegistry, timeoutsFromEnv, type Timeouts } from './registry'

export interface ProviderStackOptions {
  env: NodeJS.ProcessEnv
  /** Where cost.json and network.json live; null = memory only. */
  dataDir: string | null
  bridge: OllamaBridge
  /** Endpoints and keys; default: the environment quick-config. */
  source?: EndpointSource
  now?: () => number
  health?: HealthOptions
  networkProbe?: NetworkProbe
  timeouts?: Timeouts
  cloudFetch?: typeof fetch
  keepAlive?: string | number
  log?: (line: string) => void
}

/** Everything between a decision and an upstream: endpoints, clients, health, network, cost. */
export interface ProviderStack {
  source: EndpointSource
  registry: ProviderRegistry
  health: HealthMonitor
  network: NetworkMonitor
  costs: CostStore
  gate: RoutingGate
  /** Called (coalesced, at most every 200 ms) when an endpoint's health, the network or the spend changed. */
  onReport(listener: (report: EndpointsReport) => void): () => void
  /** Begin background re-probing (Ollama every 30 s, a detected network outage every 15 s). */
  start(): void
  close(): void
}

function readOfflineSetting(file: string | null): boolean {
  if (!file) return false
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { offline?: unknown }).offline === true
  } catch {
    return false
  }
}

function writeOfflineSetting(file: string | null, offline: boolean): void {
  if (!file) return
  try {
    writeJsonAtomic(file, { offline })
  } catch {
    // the switch still works for this run
  }
}

export function createProviderStack(options: ProviderStackOptions): ProviderStack {
  const log = options.log ?? (() => {})
  let source = options.source
  if (!source) {
    const env = new EnvEndpointSource(options.env)
    for (const problem of env.problems) log(`endpoint config: ${problem}`)
    source = env
  }
  const now = options.now ?? Date.now
  const health = new HealthMonitor({ now, ...options.health })
  const registry = new ProviderRegistry({
    source,
    bridge: options.bridge,
    timeouts: options.timeouts ?? timeoutsFromEnv(options.env),
    ...(options.cloudFetch ? { cloudFetch: options.cloudFetch } : {}),
    ...(options.keepAlive !== undefined ? { keepAlive: options.keepAlive } : options.env.ROUTELLM_OLLAMA_KEEP_ALIVE ? { keepAlive: options.env.ROUTELLM_OLLAMA_KEEP_ALIVE } : {}),
    log,
  })
  const networkFile = options.dataDir ? join(options.dataDir, 'network.json') : null
  const network = new NetworkMonitor({
    env: options.env,
    now,
    initialSetting: readOfflineSetting(networkFile),
    hostnames: () =>
      registry
        .all()
        .filter((e) => e.tier === 'cloud' && e.enabled)
        .map((e) => new URL(e.baseURL).hostname),
    ...(options.networkProbe ? { probe: options.networkProbe } : {}),
  })
  network.onChange(() => writeOfflineSetting(networkFile, network.offlineSetting))
  const costs = new CostStore({ dataDir: options.dataDir, env: options.env, now, log })
  const gate = new RoutingGate({ registry, health, network, costs })
  // A fixed endpoint or a new key deserves a fresh start.
  registry.onChange((changed) => {
    for (const id of changed) health.reset(id)
    health.resetMisconfigured()
  })
  const reportListeners = new Set<(report: EndpointsReport) => void>()
  let reportTimer: NodeJS.Timeout | undefined
  const scheduleReport = () => {
    if (reportTimer || reportListeners.size === 0) return
    reportTimer = setTimeout(() => {
      reportTimer = undefined
      const report = gate.report()
      for (const listener of reportListeners) listener(report)
    }, 200).unref()
  }
  health.onChange(scheduleReport)
  network.onChange(scheduleReport)
  registry.onChange(scheduleReport)

  return {
    source,
    registry,
    health,
    network,
    costs,
    gate,
    onReport(listener) {
      reportListeners.add(listener)
      return () => reportListeners.delete(listener)
    },
    start() {
      registry.startAutoRefresh()
      network.start()
    },
    close() {
      clearTimeout(reportTimer)
      registry.close()
      network.stop()
      costs.flush()
    },
  }
}
