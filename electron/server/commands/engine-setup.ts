import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Tier } from '../../../shared/decision'
import type { Policy } from '../../../shared/policy'
import { ThresholdInput } from '../../../shared/policy-contract'
import { resolveDataDir } from '../../core/lib/data-dir'
import { ProbeOffsetSource } from '../../core/learning/probe/probe-offsets'
import { probeResultsFile } from '../../core/learning/probe/probe-results-file'
import { createRouter, type Router } from '../../core/engine/router'
import { createStandardPillars, judgeChatViaBridge, type StandardPillars } from '../../core/engine/standard-pillars'
import { routerHooks } from '../../core/health/router-hooks'
import { OllamaBridge } from '../../core/ollama/bridge'
import { applyOverride, parseOverrideText, parsePolicyText, POLICY_FILE, readPolicyFiles, THRESHOLD_OVERRIDE_FILE, type Parsed } from '../../core/policy/index'
import { combineSources, EnvEndpointSource } from '../../core/providers/endpoint-source'
import { createProviderStack } from '../../core/health/provider-stack'
import { createSettingsEndpointSource } from '../../core/settings/endpoint-store'
import { EndpointsService } from '../../core/settings/endpoints-service'
import { UsageError, type CliContext } from './command'
import { errorMessage } from '../../../shared/errors'

/** Flags every engine command accepts. */
export const ENGINE_FLAGS = {
  policy: 'string',
  override: 'string',
  'no-semantic': 'boolean',
  judge: 'string',
  'ollama-host': 'string',
  json: 'boolean',
} as const

export const ENGINE_USAGE = '[--policy <file>] [--override <file>] [--no-semantic] [--judge <ollama model> [--ollama-host <url>]]'

export type EngineFlags = Record<string, string | boolean | undefined>

export interface EngineSetup {
  router: Router
  policy: Policy
  /** Where the policy came from, for reports. */
  policySource: string
  standard: StandardPillars
  close(): Promise<void>
}

async function readStrict<T>(file: string, parse: (text: string, file: string) => Parsed<T>): Promise<T> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`, { cause: error })
  }
  const parsed = parse(text, file)
  if (!parsed.ok) throw parsed.error
  return parsed.value
}

/**
 * A file named by --policy / --override must be good (it is what the run was asked to use);
 * the data folder's own files are read as a host reads them at start: a damaged one gives way
 * to its last good copy (or the defaults, or no override) with a warning.
 */
async function loadPolicy(flags: EngineFlags, dataDir: string, useSaved: boolean, warn: (line: string) => void): Promise<{ policy: Policy; source: string }> {
  const policyFlag = typeof flags.policy === 'string' ? flags.policy : null
  const overrideFlag = typeof flags.override === 'string' ? flags.override : null
  const savedFile = join(dataDir, POLICY_FILE)
  const saved = await readPolicyFiles({
    file: policyFlag ? null : savedFile,
    overrideFile: useSaved && !overrideFlag ? join(dataDir, THRESHOLD_OVERRIDE_FILE) : null,
  })
  for (const p of saved.problems) warn(`policy rejected (${p.error.message}); using ${p.kept} until it is fixed`)
  const source = policyFlag ?? (existsSync(savedFile) ? savedFile : 'default')
  if (!policyFlag && !overrideFlag) return { policy: saved.policy, source }
  const base = policyFlag ? await readStrict(policyFlag, parsePolicyText) : saved.base
  const override = overrideFlag ? await readStrict(overrideFlag, parseOverrideText) : saved.override
  const merged = applyOverride(base, override, overrideFlag ?? THRESHOLD_OVERRIDE_FILE)
  if (!merged.ok) throw merged.error
  return { policy: merged.value, source }
}

/** Turns the judge on only when asked for and when Ollama answers with that model. */
async function judgeSetup(flags: EngineFlags, ctx: CliContext) {
  if (typeof flags.judge !== 'string') return null
  const model = flags.judge
  const host = typeof flags['ollama-host'] === 'string' ? flags['ollama-host'] : undefined
  const bridge = new OllamaBridge({ env: ctx.env, ...(host ? { hosts: [host] } : {}) })
  const status = await bridge.detect()
  if (!status.detected) {
    ctx.stderr.write(`judge off: Ollama is not reachable (${status.tried.map((t) => `${t.host}: ${t.error ?? 'no answer'}`).join(', ')})\n`)
    return null
  }
  const installed = status.models.map((m) => m.name)
  const name = installed.find((n) => n === model || n === `${model}:latest`)
  if (!name) {
    ctx.stderr.write(`judge off: model "${model}" is not installed in Ollama at ${status.host} (installed: ${installed.join(', ') || 'none'})\n`)
    return null
  }
  return { model: name, chat: judgeChatViaBridge(bridge) }
}

/**
 * The configured endpoints (settings file and ROUTELLM_CLOUD_* / OLLAMA_HOST), discovered
 * before anything is decided, with the health hooks over them: a decision then names the
 * model that would answer, as `chat` would pick it.
 */
async function discoveredEndpoints(ctx: CliContext, dataDir: string) {
  const log = (line: string) => ctx.stderr.write(`${line}\n`)
  const settings = createSettingsEndpointSource(new EndpointsService({ dataDir, env: ctx.env, host: 'headless', log }))
  const bridge = new OllamaBridge({
    env: ctx.env,
    configuredHosts: () =>
      settings
        .list()
        .filter((e) => e.id === 'ollama')
        .map((e) => e.baseURL),
  })
  const env = new EnvEndpointSource(ctx.env)
  for (const problem of env.problems) log(`endpoint config: ${problem}`)
  const stack = createProviderStack({ env: ctx.env, dataDir: null, bridge, source: combineSources(settings, env), log })
  await stack.gate.discovered()
  return { hooks: routerHooks(stack.gate), close: () => stack.close() }
}

/**
 * Builds the engine the way the CLI runs it: offline, rules + semantic pillars, the judge
 * only with --judge and a reachable Ollama, and no bandit file (nothing is generated,
 * nothing learned). Model arms only with `endpoints` (route: which model would answer);
 * otherwise none, so evaluations do not depend on what this machine runs. The policy is
 * --policy or <data folder>/policy.json (else the defaults); an --override file always
 * applies, the saved threshold-override.json (and the self-check's cluster offsets from
 * probe-results.json) only with `savedOverride`.
 */
export async function setupEngine(
  ctx: CliContext,
  flags: EngineFlags,
  opts: { savedOverride: boolean; endpoints?: boolean; threshold?: number },
): Promise<EngineSetup> {
  const dataDir = resolveDataDir(ctx.env)
  const loaded = await loadPolicy(flags, dataDir, opts.savedOverride, (m) => ctx.stderr.write(`${m}\n`))
  let policy = loaded.policy
  // A what-if threshold for this run only (simulate --threshold): wins over every file, writes none.
  if (opts.threshold !== undefined) policy = { ...policy, threshold: opts.threshold }
  const judge = await judgeSetup(flags, ctx)
  if (judge) policy = { ...policy, judge: { ...policy.judge, enabled: true, model: judge.model } }
  const userClusters = join(dataDir, 'clusters.json')
  const standard = await createStandardPillars({
    policy: () => policy,
    semantic: flags['no-semantic']
      ? false
      : { userModelsDir: join(dataDir, 'models'), ...(existsSync(userClusters) ? { userClustersFile: userClusters } : {}) },
    warmup: true,
    judge: judge ? { chat: judge.chat } : null,
    warn: (m) => ctx.stderr.write(`${m}\n`),
  })
  const endpoints = opts.endpoints ? await discoveredEndpoints(ctx, dataDir) : null
  // The last self-check's pass rates (routellm probe) move their clusters as in the hosts, where this machine's saved state applies.
  const probeResults = opts.savedOverride ? probeResultsFile(dataDir, (m) => ctx.stderr.write(`${m}\n`)).value : null
  const clusterOffsets = probeResults ? [new ProbeOffsetSource(() => probeResults)] : []
  const router = createRouter({
    policy,
    pillars: standard.pillars,
    combiner: standard.combiner,
    dataDir: null,
    clusterOffsets,
    warn: (m) => ctx.stderr.write(`${m}\n`),
    ...endpoints?.hooks,
  })
  return {
    router,
    policy,
    policySource: loaded.source,
    standard,
    close: async () => {
      endpoints?.close()
      await router.close()
      await standard.dispose()
    },
  }
}

export function requireString(flags: EngineFlags, name: string): string {
  const value = flags[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} <value> is required`)
  return value
}

export function parseTier(value: string | boolean | undefined): Tier | undefined {
  if (value === undefined) return undefined
  const parsed = Tier.safeParse(value)
  if (!parsed.success) throw new UsageError(`--tier must be local or cloud, not "${String(value)}"`)
  return parsed.data
}

/** --threshold N: the routing threshold for this run, 0–100 like the policy's own. */
export function parseThreshold(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = ThresholdInput.safeParse(typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN)
  if (!parsed.success) throw new UsageError(`--threshold must be a number from 0 to 100, not "${String(value)}"`)
  return parsed.data
}

export function parseTargetRecall(value: string | boolean | undefined): number {
  if (value === undefined) return 0.95
  const n = Number(value)
  if (typeof value !== 'string' || !Number.isFinite(n) || n <= 0 || n > 1)
    throw new UsageError(`--target-recall must be a number in (0, 1], not "${String(value)}"`)
  return n
}

export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
