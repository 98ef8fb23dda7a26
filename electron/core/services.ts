import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Decision } from '../../shared/decision'
import { removeStaleTempFiles } from './lib/atomic-file'
import { findUp } from './lib/bundled-resource'
import { ChatService } from './chat/chat-service'
import { createClusterService, type ClusterService } from './clusters/cluster-service'
import { watchClustersFile } from './clusters/clusters-file-watch'
import { resolveDataDir } from './lib/data-dir'
import { createEngine } from './engine/engine'
import type { DecideOptions } from './engine/router'
import { EventBus } from './lib/event-bus'
import { outcomeFeedback } from './chat/outcome'
import { routerHooks } from './health/router-hooks'
import { ProbeService } from './learning/probe/probe-service'
import { syncIntervalFromEnv } from './state/state-db'
import type { KeyStore } from './keys/key-store'
import { OllamaBridge } from './ollama/bridge'
import type { ClusterOffsetRegistry } from './engine/cluster-offsets'
import type { PolicyOverrides } from './policy/overrides'
import type { PolicyStore } from './policy/store'
import type { Bandit, Outcome } from './pillars/bandit'
import { combineSources, EnvEndpointSource } from './providers/endpoint-source'
import { createProviderStack, type ProviderStack } from './health/provider-stack'
import { ClusterStore, defaultClustersFile, userClustersFileOf } from './semantic/clusters'
import { createSettingsEndpointSource, type SettingsEndpointSource } from './settings/endpoint-store'
import { EndpointsService } from './settings/endpoints-service'
import { conditionsOf } from './learning/conditions'
import { OptimizeService } from './learning/optimize-service'
import { loadTelemetryRules, telemetryRulesFileOf } from './learning/rules-file'
import { retentionFromEnv, TelemetryStore } from './telemetry/index'
import { errorMessage } from '../../shared/errors'

export interface ServicesOptions {
  host: 'electron' | 'headless'
  env?: NodeJS.ProcessEnv
  /** Overrides ROUTELLM_HOME / the platform folder (tests). */
  dataDir?: string
  log?: (line: string) => void
  /** Overrides the OS keychain (tests only; the product never stores keys elsewhere). */
  keyStore?: KeyStore
  /** Replaces fetch for cloud clients (tests inject network failures). */
  cloudFetch?: typeof fetch
}

/** Everything the handlers need, built once per host process. */
export interface Services {
  host: 'electron' | 'headless'
  version: string
  dataDir: string
  bus: EventBus
  bridge: OllamaBridge
  router: {
    decide(prompt: string, options?: DecideOptions): Promise<Decision>
    record(outcome: Outcome): void
    /** What the bandit has learned per arm (read-only here: outcomes teach it through record). */
    bandit: Pick<Bandit, 'stats'>
    /** The hot-reloading policy (policy.json + threshold override in the data folder). */
    policyStore: PolicyStore
    /** The audited writer of the policy override: every change of the policy from the hosts goes through it. */
    overrides: PolicyOverrides
    /** Per-cluster offsets of the complexity index: `register(source)` adds one (returns its removal). */
    clusterOffsets: ClusterOffsetRegistry
    /** Resolves when the start-up warm-up is over: from then on the first decision is as fast as the rest. */
    warmedUp: Promise<void>
  }
  chat: ChatService
  /** Endpoint settings file + keys (keychain, or ROUTELLM_KEY_<ID> on the headless host). */
  endpoints: EndpointsService
  /** The configured endpoints and their keys, for the providers. */
  endpointSource: SettingsEndpointSource
  /** Providers with their health (circuit breakers, the offline switch), spend and budgets. */
  providers: ProviderStack
  /** The semantic router's intent clusters: list and edit (re-embedded after each change). */
  clusters: ClusterService
  /** One row per generation in <dataDir>/telemetry.db (never any prompt or answer text), and thumbs up/down. */
  telemetry: TelemetryStore
  /** The local self-check: its per-cluster pass rates move routing; re-run when the local model changes. */
  probe: ProbeService
  /** Optimize Load: proposals from telemetry, applied and reverted through the audited override; on a schedule when the rules say so. */
  optimize: OptimizeService
  close(): Promise<void>
}

/** How often the host looks for a changed local model (the self-check then runs again). */
const PROBE_RECHECK_MS = 10 * 60_000

// Found by walking up: this module sits at another depth inside the built bundle than in the source tree.
const { version } = createRequire(import.meta.url)(findUp('package.json') ?? '../../package.json') as { version: string }

export async function createServices(options: ServicesOptions): Promise<Services> {
  const env = options.env ?? process.env
  const log = options.log ?? (() => {})
  const dataDir = options.dataDir ?? resolveDataDir(env)
  mkdirSync(dataDir, { recursive: true })

  const bus = new EventBus()
  // Test connection honours the offline switch (the user's or ROUTELLM_OFFLINE); `providers` exists by the time a test runs.
  const offlineReason = () => {
    const status = providers.network.status()
    return status.cause === 'setting' || status.cause === 'env' ? status.reason : null
  }
  const endpoints = new EndpointsService({
    dataDir,
    env,
    host: options.host,
    bus,
    log,
    connection: { offlineReason },
    watchSettings: true,
    ...(options.keyStore ? { keyStore: options.keyStore } : {}),
  })
  const endpointSource = createSettingsEndpointSource(endpoints)
  const bridge = new OllamaBridge({
    env,
    configuredHosts: () =>
      endpointSource
        .list()
        .filter((e) => e.id === 'ollama')
        .map((e) => e.baseURL),
  })
  // Saved settings first, then the environment quick-config (OLLAMA_HOST, ROUTELLM_CLOUD_*).
  const envSource = new EnvEndpointSource(env)
  for (const problem of envSource.problems) log(`endpoint config: ${problem}`)
  const providers = createProviderStack({
    env,
    dataDir,
    bridge,
    source: combineSources(endpointSource, envSource),
    log,
    ...(options.cloudFetch ? { cloudFetch: options.cloudFetch } : {}),
  })
  // The user's cluster file is always configured (a missing file is an empty one), so clusters are editable from the start.
  const userClustersFile = userClustersFileOf(dataDir)
  const router = await createEngine({
    dataDir,
    bridge,
    log,
    semantic: { userClustersFile },
    onPolicyChange: (policy) => bus.emit('policy.changed', { threshold: policy.threshold, overridden: router.policyStore.override() !== null }),
    ...routerHooks(providers.gate),
  })
  providers.addProblemSource(() => router.bandit.problem())
  // A crash between writing a temp file and renaming it leaves the temp file behind. Cleaned in the
  // background; never rejects (a file it cannot list or remove is left alone).
  void removeStaleTempFiles(dataDir).then((names) => {
    if (names.length > 0) log(`removed ${names.length} temp file(s) left by an earlier crash: ${names.join(', ')}`)
  })
  const semantic = router.standard.semantic
  const clusters = createClusterService({
    store: semantic?.store ?? new ClusterStore({ defaultsFile: defaultClustersFile(), userFile: userClustersFile }),
    pillar: semantic,
    policy: () => router.policyStore.get(),
  })
  // A hand-edited clusters.json is picked up while running; an invalid edit leaves the clusters in force (and says why).
  const clustersFile = semantic
    ? watchClustersFile({ file: userClustersFile, store: semantic.store, reload: () => semantic.reloadClusters(), reembed: () => semantic.status(), log })
    : null
  providers.addProblemSource(() => clustersFile?.problem() ?? semantic?.store.problem() ?? null)
  // The telemetry rules (retention, the retry window, Optimize Load's guardrails): re-read before each Optimize run.
  const rulesFile = telemetryRulesFileOf(dataDir)
  let rules = await loadTelemetryRules(rulesFile, log)
  const currentRules = async () => (rules = await loadTelemetryRules(rulesFile, log))
  // Never throws: a corrupt file is set aside, an unopenable one falls back to memory. The environment wins over the rules file.
  const telemetry = new TelemetryStore({
    dataDir,
    retention: { ...rules.retention, ...retentionFromEnv(env, log) },
    retryWindowMs: () => rules.retryWindowSeconds * 1000,
    log,
  })
  const chat = new ChatService({
    router,
    bus,
    stack: providers,
    onOutcome: (outcome) => {
      telemetry.record(outcome)
      outcomeFeedback(outcome).forEach((feedback) => router.record(feedback))
    },
  })
  const optimize = new OptimizeService({
    telemetry,
    policy: () => router.policyStore.get(),
    rules: currentRules,
    conditions: () => conditionsOf(providers.gate.report(), providers.costs.summary()),
    offsetSources: [router.clusterOffsets],
    overrides: router.overrides,
    log,
  })
  void optimize.startSchedule()
  providers.onReport((report) => bus.emit('health.status', report))
  providers.start()
  const probe = new ProbeService({
    bridge,
    dataDir,
    log,
    onProgress: (progress) => bus.emit('probe.progress', progress),
    onStatus: (status) => bus.emit('probe.status', status),
  })
  providers.addProblemSource(() => probe.problem)
  // The pass rates move their clusters' routing through the router's one offset mechanism.
  router.clusterOffsets.register(probe.offsets)
  // Off the request path: at start (once warm) and on a slow schedule, never per decision.
  const recheckProbe = () => void probe.recheckModel().catch((error: unknown) => log(`self-check: ${errorMessage(error)}`))
  void router.warmedUp.then(recheckProbe)
  const probeTimer = setInterval(recheckProbe, PROBE_RECHECK_MS).unref()
  // A `routellm probe` run beside this host saves new results: follow them within one sync interval.
  const probeFollow = setInterval(() => void probe.follow(), syncIntervalFromEnv(env)).unref()

  return {
    host: options.host,
    version,
    dataDir,
    bus,
    bridge,
    router,
    chat,
    endpoints,
    endpointSource,
    providers,
    clusters,
    telemetry,
    probe,
    optimize,
    async close() {
      optimize.stopSchedule()
      clearInterval(probeTimer)
      clearInterval(probeFollow)
      probe.stop()
      clustersFile?.close()
      // Generations end first: their outcomes still reach telemetry and the bandit.
      await chat.close()
      await probe.idle()
      providers.close()
      await router.close?.()
      telemetry.close()
      endpoints.settings.close()
    },
  }
}
