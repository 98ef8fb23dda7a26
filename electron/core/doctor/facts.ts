/**
 * What the doctor's checks look at, gathered once and shared: the policy as the hosts load
 * it, Ollama's detection, the endpoints with their key states. Each fact is computed on first
 * use, so checks that need the same fact run it once.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Policy, PolicyOverride } from '../../../shared/policy'
import type { EndpointsOverview } from '../../../shared/keys'
import type { DataFileProblem, NetworkStatus } from '../../../shared/health'
import type { OllamaStatus } from '../../../shared/ollama'
import { resolveDataDir } from '../lib/data-dir'
import { NetworkMonitor } from '../health/network'
import type { KeyStore } from '../keys/key-store'
import { KeytarKeyStore } from '../keys/keytar-store'
import { OllamaBridge } from '../ollama/bridge'
import { POLICY_FILE, readPolicyFiles, THRESHOLD_OVERRIDE_FILE, type PolicyFilesRead } from '../policy/index'
import { EnvEndpointSource } from '../providers/endpoint-source'
import { offlineSwitchFile } from '../health/provider-stack'
import { costFileOf } from '../cost/cost-store'
import { banditFileProblem } from '../pillars/bandit'
import { probeResultsFile } from '../learning/probe/probe-results-file'
import { ClusterStore, defaultClustersFile, userClustersFileOf } from '../semantic/clusters'
import { EndpointsService } from '../settings/endpoints-service'

export interface DoctorOptions {
  env: NodeJS.ProcessEnv
  /** Default: ROUTELLM_HOME / the platform folder, as the hosts resolve it. */
  dataDir?: string
  /** Bundled models root (tests); default resources/models. */
  modelsRoot?: string
  /** Tests only: the product checks the OS keychain. */
  keyStore?: KeyStore
  /** Probe only these Ollama addresses (replaces OLLAMA_HOST, the settings and the defaults). */
  ollamaHosts?: readonly string[]
  /** Per Ollama address (default 1500 ms). */
  probeTimeoutMs?: number
  /** How long the keychain may take to answer (default 5 s). */
  keychainTimeoutMs?: number
}

export interface PolicyFacts {
  /** The policy the hosts would route with: the file's (or the defaults) with the override applied. */
  policy: Policy
  file: string
  /** False when there is no policy.json (the defaults apply). */
  fileExists: boolean
  overrideFile: string
  override: PolicyOverride | null
  /** Problems with policy.json and threshold-override.json: the hosts ignore that file and use `kept` instead. */
  problems: PolicyFilesRead['problems']
}

export interface CloudEndpointFact {
  id: string
  enabled: boolean
  provider: string
  /** Where the endpoint is configured: the settings file or the environment quick-config. */
  from: 'settings' | 'env'
  key: 'set' | 'not-set' | 'unknown'
  keySource: 'keychain' | 'env' | null
}

export interface EndpointFacts {
  overview: Omit<EndpointsOverview, 'fromEnvironment'>
  cloud: CloudEndpointFact[]
  /** Problems of the environment quick-config (ROUTELLM_CLOUD_*), worded without keys. */
  envProblems: string[]
}

export interface DoctorFacts {
  env: NodeJS.ProcessEnv
  dataDir: string
  options: DoctorOptions
  policy(): Promise<PolicyFacts>
  ollama(): Promise<OllamaStatus>
  endpoints(): Promise<EndpointFacts>
  network(): NetworkStatus
  /** Damaged data files that hold protections or learned state, as the hosts would read them. */
  dataFiles(): Promise<DataFileFact[]>
}

export interface DataFileFact extends DataFileProblem {
  /** True when no good copy exists and the strictest setting is in force (offline on, cloud refused). */
  failClosed: boolean
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null
  return () => (value ??= make())
}

/** The policy exactly as a host starting now would load it (last good copies included), keeping every problem. */
export async function loadPolicyFacts(dataDir: string): Promise<PolicyFacts> {
  const file = join(dataDir, POLICY_FILE)
  const overrideFile = join(dataDir, THRESHOLD_OVERRIDE_FILE)
  const read = await readPolicyFiles({ file, overrideFile })
  return { policy: read.policy, file, fileExists: existsSync(file), overrideFile, override: read.override, problems: read.problems }
}

/** cost.json, network.json, probe-results.json, bandit.json and clusters.json read as the hosts read them; nothing is changed. */
async function dataFileFacts(dataDir: string): Promise<DataFileFact[]> {
  const facts: DataFileFact[] = []
  for (const file of [costFileOf(dataDir), offlineSwitchFile(dataDir)]) {
    if (file.problem) facts.push({ ...file.problem, failClosed: file.source === 'fail-closed' })
  }
  // Learned state, not a protection: with no good copy, routing goes on as without a self-check.
  const probe = probeResultsFile(dataDir).problem
  if (probe) facts.push({ ...probe, failClosed: false })
  const bandit = banditFileProblem(dataDir)
  if (bandit) facts.push({ ...bandit, failClosed: false })
  const clusters = new ClusterStore({ defaultsFile: defaultClustersFile(), userFile: userClustersFileOf(dataDir) })
  await clusters.list().catch(() => undefined)
  const problem = clusters.problem()
  if (problem) facts.push({ ...problem, failClosed: false })
  return facts
}

export function gatherFacts(options: DoctorOptions): DoctorFacts {
  const env = options.env
  const dataDir = options.dataDir ?? resolveDataDir(env)
  let service: EndpointsService | null = null
  const endpointsService = () =>
    (service ??= new EndpointsService({
      dataDir,
      env,
      // Like the CLI and the headless host: ROUTELLM_KEY_<ID> variables count.
      host: 'headless',
      keyStore: options.keyStore ?? new KeytarKeyStore({ timeoutMs: options.keychainTimeoutMs ?? 5000 }),
    }))

  const endpoints = once(async (): Promise<EndpointFacts> => {
    const overview = await endpointsService().list()
    const envSource = new EnvEndpointSource(env)
    const cloud: CloudEndpointFact[] = overview.endpoints
      .filter((e) => e.tier === 'cloud')
      .map((e) => ({ id: e.id, enabled: e.enabled, provider: e.provider, from: 'settings', key: e.key.state, keySource: e.key.source }))
    for (const e of envSource.list()) {
      if (e.tier !== 'cloud' || overview.endpoints.some((s) => s.id === e.id)) continue
      const hasKey = Boolean(env.ROUTELLM_CLOUD_API_KEY?.trim())
      cloud.push({ id: e.id, enabled: e.enabled, provider: e.provider, from: 'env', key: hasKey ? 'set' : 'not-set', keySource: hasKey ? 'env' : null })
    }
    return { overview, cloud, envProblems: envSource.problems }
  })

  const ollama = once(async () => {
    let configured: string[] = []
    if (!options.ollamaHosts) {
      try {
        configured = endpointsService()
          .endpoints()
          .filter((e) => e.provider === 'ollama')
          .map((e) => e.baseURL)
      } catch {
        // unreadable settings are the endpoints check's business
      }
    }
    const bridge = new OllamaBridge({
      env,
      configuredHosts: () => configured,
      ...(options.probeTimeoutMs ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
      ...(options.ollamaHosts ? { hosts: options.ollamaHosts } : {}),
    })
    return bridge.detect()
  })

  return {
    env,
    dataDir,
    options,
    policy: once(() => loadPolicyFacts(dataDir)),
    ollama,
    endpoints,
    network: () => new NetworkMonitor({ env, initialSetting: offlineSwitchFile(dataDir).value.offline }).status(),
    dataFiles: once(() => dataFileFacts(dataDir)),
  }
}
