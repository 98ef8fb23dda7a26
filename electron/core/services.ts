import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Decision } from '../../shared/decision'
import { removeStaleTempFiles } from './lib/atomic-file'
import { ChatService } from './chat/chat-service'
import { createClusterService, type ClusterService } from './clusters/cluster-service'
import { resolveDataDir } from './lib/data-dir'
import { createEngine } from './engine/engine'
import type { DecideOptions } from './engine/router'
import { EventBus } from './lib/event-bus'
import { outcomeFeedback } from './chat/outcome'
import { routerHooks } from './health/router-hooks'
import type { KeyStore } from './keys/key-store'
import { OllamaBridge } from './ollama/bridge'
import type { ClusterOffsetRegistry } from './engine/cluster-offsets'
import type { PolicyOverrides } from './policy/overrides'
import type { PolicyStore } from './policy/store'
import type { Outcome } from './pillars/bandit'
import { combineSources, EnvEndpointSource } from './providers/endpoint-source'
import { createProviderStack, type ProviderStack } from './health/provider-stack'
import { ClusterStore, defaultClustersFile, userClustersFileOf } from './semantic/clusters'
import { createSettingsEndpointSource, type SettingsEndpointSource } from './settings/endpoint-store'
import { EndpointsService } from './settings/endpoints-service'
import { retentionFromEnv, TelemetryStore } from './telemetry/index'

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
  /** Providers, health (breakers, offline), cost and budget: issue 5. */
  providers: ProviderStack
  /** The semantic router's intent clusters: list and edit (re-embedded after each change). */
  clusters: ClusterService
  /** One row per generation in <dataDir>/telemetry.db (never any prompt or answer text), and thumbs up/down. */
  telemetry: TelemetryStore
  close(): Promise<void>
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

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
  const endpoints = new EndpointsService({ dataDir, env, host: options.host, bus, log, connection: { offlineReason }, watchSettings: true, ...(options.keyStore ? { keyStore: options.keyStore } : {}) })
  const endpointSource = createSettingsEndpointSource(endpoints)
  const bridge = new OllamaBridge({ env, configuredHosts: () => endpointSource.list().filter((e) => e.id === 'ollama').map((e) => e.baseURL) })
  // Saved settings first, then the environment quick-config (OLLAMA_HOST, ROUTELLM_CLOUD_*).
  const envSource = new EnvEndpointSource(env)
  for (const problem of envSource.problems) log(`endpoint config: ${problem}`)
  const providers = createProviderStack({ env, dataDir, bridge, source: combineSources(endpointSource, envSource), log, ...(options.cloudFetch ? { cloudFetch: options.cloudFetch } : {}) })
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
  providers.addProblemSource(() => router.standard.semantic?.store.problem() ?? null)
  // A crash between writing a temp file and renaming it leaves the temp file behind.
  void removeStaleTempFiles(dataDir).then((names) => {
    if (names.length > 0) log(`removed ${names.length} temp file(s) left by an earlier crash: ${names.join(', ')}`)
  })
  const clusters = createClusterService({
    store: router.standard.semantic?.store ?? new ClusterStore({ defaultsFile: defaultClustersFile(), userFile: userClustersFile }),
    pillar: router.standard.semantic,
    policy: () => router.policyStore.get(),
  })
  // Never throws: a corrupt file is set aside, an unopenable one falls back to memory.
  const telemetry = new TelemetryStore({ dataDir, retention: retentionFromEnv(env, log), log })
  const chat = new ChatService({
    router,
    bus,
    stack: providers,
    onOutcome: (outcome) => {
      telemetry.record(outcome)
      outcomeFeedback(outcome).forEach((feedback) => router.record(feedback))
    },
  })
  providers.onReport((report) => bus.emit('health.status', report))
  providers.start()

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
    async close() {
      // Generations end first: their outcomes still reach telemetry and the bandit.
      await chat.close()
      providers.close()
      await router.close?.()
      telemetry.close()
      endpoints.settings.close()
    },
  }
}
