import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { OllamaBridge } from '../ollama/bridge'
import type { SemanticPillarOptions } from '../pillars/semantic'
import type { Policy } from '../../../shared/policy'
import { createPolicyStore, POLICY_AUDIT_FILE, POLICY_FILE, PolicyAuditLog, PolicyOverrides, THRESHOLD_OVERRIDE_FILE, type PolicyStore } from '../policy/index'
import { ClusterOffsetRegistry } from './cluster-offsets'
import { createRouter, type Router, type RouterDeps } from './router'
import { createStandardPillars, judgeChatViaBridge, type StandardPillars } from './standard-pillars'

export interface EngineDeps extends Pick<RouterDeps, 'listArms' | 'tierOverride'> {
  /** Holds policy.json, threshold-override.json, bandit.json, models/ and clusters.json. */
  dataDir: string
  /** Ollama, for the SLM judge (which still runs only when the policy enables it). */
  bridge?: Pick<OllamaBridge, 'chat' | 'detect'>
  log?: (line: string) => void
  /** Reload the policy when its files change (default true). */
  watchPolicy?: boolean
  /** Semantic pillar options, or false to run without it (defaults use the data folder). */
  semantic?: SemanticPillarOptions | false
  /** The policy in force changed (an override write or revert, an edited file). */
  onPolicyChange?: (policy: Policy) => void
}

export interface Engine extends Router {
  policyStore: PolicyStore
  /** The audited writer of the policy override (the only way the hosts change the policy). */
  overrides: PolicyOverrides
  /** Register a per-cluster offset source here (Optimize Load, the local-model probe); the policy's own offsets always count. */
  clusterOffsets: ClusterOffsetRegistry
  standard: StandardPillars
  /** Resolves when the start-up warm-up (semantic index, then a few decisions) is over. */
  warmedUp: Promise<void>
}

// Prompts of several shapes, so the warm-up reaches the code paths real prompts take.
const WARMUP_PROMPTS = [
  'hi there',
  'Write a function that parses a CSV file and explain its complexity.',
  'Summarise the trade-offs between optimistic and pessimistic locking in a database, then design a schema for a booking system that avoids double bookings under heavy load, step by step.',
  'Reply to anna@example.com about tomorrow',
]

/**
 * The first decision after start would otherwise pay for cold code: compiling every pillar,
 * the rules' expressions, the tokenizer, the health and model lookups (~85 ms instead of
 * ~1 ms). A few decisions on fixed prompts at start pay it instead. They run on a router
 * without the judge (no model call) and choose arms without recording anything.
 */
async function warmUp(router: Router, stopped: () => boolean): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const prompt of WARMUP_PROMPTS) {
      // A closed engine must not wake its pillars (the embedder would load its model again).
      if (stopped()) return
      await router.decide(`${prompt} (${round})`).catch(() => undefined)
    }
  }
}

/** The smallest installed model: a judge needs to be fast, not clever. */
function smallestModel(models: readonly { name: string; size: number }[]): string | null {
  return [...models].sort((a, b) => a.size - b.size)[0]?.name ?? null
}

/**
 * Everything the hosts need to route: the hot-reloading policy store over
 * <dataDir>/policy.json (+ threshold override), the rules, semantic and judge pillars, and
 * the router with its bandit statistics in <dataDir>/bandit.json. The semantic model warms
 * up in the background; until it is ready that pillar abstains and rules decide.
 */
export async function createEngine(deps: EngineDeps): Promise<Engine> {
  const log = deps.log ?? (() => {})
  const policyStore = await createPolicyStore({
    file: join(deps.dataDir, POLICY_FILE),
    overrideFile: join(deps.dataDir, THRESHOLD_OVERRIDE_FILE),
    watch: deps.watchPolicy ?? true,
    onError: (error, kept) => log(`policy rejected (${error.message}); using ${kept} until it is fixed`),
    onChange: (policy) => {
      log(`policy reloaded (threshold ${policy.threshold})`)
      deps.onPolicyChange?.(policy)
    },
  })
  const overrides = new PolicyOverrides({
    file: join(deps.dataDir, THRESHOLD_OVERRIDE_FILE),
    audit: new PolicyAuditLog(join(deps.dataDir, POLICY_AUDIT_FILE), { log }),
    base: () => policyStore.base(),
    written: () => policyStore.reload(),
  })

  let judgeFallback: string | null = null
  const bridge = deps.bridge
  if (bridge) {
    // In the background: the judge's fallback model waits for Ollama's model list; no Ollama leaves it unset.
    void bridge.detect().then(
      (status) => {
        judgeFallback = status.detected ? smallestModel(status.models) : null
      },
      () => undefined,
    )
  }
  const userClusters = join(deps.dataDir, 'clusters.json')
  const standard = await createStandardPillars({
    policy: () => policyStore.get(),
    semantic:
      deps.semantic === false
        ? false
        : { userModelsDir: join(deps.dataDir, 'models'), ...(existsSync(userClusters) ? { userClustersFile: userClusters } : {}), ...deps.semantic },
    judge: bridge ? { chat: judgeChatViaBridge(bridge), model: () => judgeFallback, cacheSize: policyStore.get().judge.cacheSize } : null,
    warn: log,
  })
  const clusterOffsets = new ClusterOffsetRegistry()
  const routerDeps = {
    policy: policyStore,
    clusterOffsets: [clusterOffsets],
    combiner: standard.combiner,
    dataDir: deps.dataDir,
    warn: log,
    ...(deps.listArms ? { listArms: deps.listArms } : {}),
    ...(deps.tierOverride ? { tierOverride: deps.tierOverride } : {}),
  }
  const router = createRouter({ ...routerDeps, pillars: standard.pillars })
  let closed = false
  const warmedUp = (async () => {
    const s = await standard.semantic?.warmup()
    if (s?.state === 'error') log(`semantic router unavailable: ${s.error}`)
    await warmUp(createRouter({ ...routerDeps, pillars: standard.pillars.filter((p) => p.id !== 'judge'), bandit: router.bandit }), () => closed)
  })().catch(() => undefined)
  return {
    ...router,
    policyStore,
    overrides,
    clusterOffsets,
    standard,
    warmedUp,
    async close() {
      closed = true
      policyStore.close()
      await overrides.audit.flushed()
      await router.close()
      await standard.dispose()
    },
  }
}
