import { z } from 'zod'
import { CostStore } from '../cost/cost-store'
import { HealthMonitor, type HealthOptions } from './health-monitor'
import { NetworkMonitor, type NetworkProbe } from './network'
import { RoutingGate } from './routing-gate'
import type { EndpointsReport } from '../../../shared/health'
import { GuardedJsonFile, type FileProblem } from '../state/guarded-file'
import { openStateDb, syncIntervalFromEnv } from '../state/state-db'
import { BreakerShare } from './breaker-share'
import type { OllamaBridge } from '../ollama/bridge'
import { EnvEndpointSource, type EndpointSource } from '../providers/endpoint-source'
import { ProviderRegistry, timeoutsFromEnv, type Timeouts } from '../providers/registry'
import { errorMessage } from '../../../shared/errors'

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
  /** Damaged data files (cost.json, network.json) and what is in force instead. */
  problems(): FileProblem[]
  /** Another part's damaged file (bandit.json, clusters.json) joins the report. */
  addProblemSource(source: () => FileProblem | null): void
  /** Begin background re-probing (Ollama every 30 s, a detected network outage every 15 s). */
  start(): void
  close(): void
}

export const NETWORK_FILE = 'network.json'
const NetworkFile = z.object({ offline: z.boolean() })

/** The user's offline switch in network.json; damaged with no good copy, offline stays on. Reading changes nothing (`doctor` uses it too). */
export function offlineSwitchFile(dataDir: string | null, log?: (line: string) => void) {
  return new GuardedJsonFile({
    dataDir,
    name: NETWORK_FILE,
    schema: NetworkFile,
    missing: { offline: false },
    failClosed: { offline: true },
    failClosedText: 'offline mode is on',
    ...(log ? { log } : {}),
  })
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
    ...(options.keepAlive !== undefined
      ? { keepAlive: options.keepAlive }
      : options.env.ROUTELLM_OLLAMA_KEEP_ALIVE
        ? { keepAlive: options.env.ROUTELLM_OLLAMA_KEEP_ALIVE }
        : {}),
    log,
  })
  const offlineFile = offlineSwitchFile(options.dataDir, log)
  const network = new NetworkMonitor({
    env: options.env,
    now,
    initialSetting: offlineFile.value.offline,
    hostnames: () =>
      registry
        .all()
        .filter((e) => e.tier === 'cloud' && e.enabled)
        .map((e) => new URL(e.baseURL).hostname),
    ...(options.networkProbe ? { probe: options.networkProbe } : {}),
  })
  network.onChange(() => {
    if (network.offlineSetting === offlineFile.value.offline) return
    try {
      offlineFile.save({ offline: network.offlineSetting })
    } catch (error) {
      log(`could not save ${NETWORK_FILE} (the switch still works for this run): ${errorMessage(error)}`)
    }
  })
  const syncMs = syncIntervalFromEnv(options.env)
  const costs = new CostStore({ dataDir: options.dataDir, env: options.env, now, log, syncMs })
  // Another process (the desktop app, `serve`, a CLI run) may flip the switch: follow it within one interval.
  const followOfflineSwitch = setInterval(() => {
    // Fire-and-forget on a timer: a file that cannot be read counts as unchanged, so refresh does not reject.
    void offlineFile.refresh().then((changed) => {
      if (changed) network.setOffline(offlineFile.value.offline)
      if (changed) scheduleReport()
    })
  }, syncMs).unref()
  costs.onChange(() => scheduleReport())
  const problemSources: Array<() => FileProblem | null> = [() => offlineFile.problem, () => costs.problem]
  const problems = () => problemSources.map((source) => source()).filter((p): p is FileProblem => p !== null)
  const gate = new RoutingGate({ registry, health, network, costs, problems })
  // A fixed endpoint or a new key deserves a fresh start.
  registry.onChange((changed) => {
    for (const id of changed) health.reset(id)
    health.resetMisconfigured()
  })
  const breakers = shareBreakers({ dataDir: options.dataDir, health, registry, now, log, syncMs })
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
    problems,
    addProblemSource(source) {
      problemSources.push(source)
    },
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
      clearInterval(followOfflineSwitch)
      registry.close()
      network.stop()
      breakers.close()
      costs.close()
    },
  }
}

/**
 * Circuits opened for dead endpoints, shared with the other processes on the data folder
 * through state.db: read at start (a new process knows the outages others already saw), then
 * written and read once per sync interval, never on the request path.
 */
function shareBreakers(o: {
  dataDir: string | null
  health: HealthMonitor
  registry: ProviderRegistry
  now: () => number
  log: (line: string) => void
  syncMs: number
}): { close(): void } {
  let db: ReturnType<typeof openStateDb> | null = null
  try {
    db = o.dataDir ? openStateDb(o.dataDir) : null
  } catch (error) {
    o.log(`circuit breakers are not shared with other processes (state.db cannot be opened): ${errorMessage(error)}`)
  }
  const share = new BreakerShare(db)
  const baseURLOf = (id: string) => o.registry.endpoint(id)?.baseURL
  const unsubscribe = o.health.onOpened((opening) => {
    const baseURL = baseURLOf(opening.endpoint)
    if (baseURL) share.record({ ...opening, baseURL }, o.now())
  })
  let failures = 0
  const sync = () => {
    try {
      // Only an endpoint this process knows at the same address: the same id may name another server here.
      for (const opening of share.sync(o.now(), (x) => baseURLOf(x.endpoint) === x.baseURL)) {
        o.health.adoptOpening(opening.endpoint, opening.openUntil, opening.reason)
      }
      failures = 0
    } catch (error) {
      if (failures++ % 100 === 0) o.log(`could not share circuit breakers through state.db (retried): ${errorMessage(error)}`)
    }
  }
  sync()
  const timer = setInterval(sync, o.syncMs).unref()
  return {
    close() {
      clearInterval(timer)
      unsubscribe()
      sync()
      db?.close()
    },
  }
}
