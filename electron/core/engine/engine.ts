import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { OllamaBridge } from '../ollama/bridge'
import type { SemanticPillarOptions } from '../pillars/semantic'
import { createPolicyStore, POLICY_FILE, THRESHOLD_OVERRIDE_FILE, type PolicyStore } from '../policy/index'
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
}

export interface Engine extends Router {
  policyStore: PolicyStore
  standard: StandardPillars
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
    onError: (error) => log(`policy rejected, keeping the last good one: ${error.message}`),
    onChange: (policy) => log(`policy reloaded (threshold ${policy.threshold})`),
  })

  let judgeFallback: string | null = null
  const bridge = deps.bridge
  if (bridge) {
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
  void standard.semantic?.warmup().then((s) => {
    if (s.state === 'error') log(`semantic router unavailable: ${s.error}`)
  })

  const router = createRouter({
    policy: policyStore,
    pillars: standard.pillars,
    combiner: standard.combiner,
    dataDir: deps.dataDir,
    warn: log,
    ...(deps.listArms ? { listArms: deps.listArms } : {}),
    ...(deps.tierOverride ? { tierOverride: deps.tierOverride } : {}),
  })
  return {
    ...router,
    policyStore,
    standard,
    async close() {
      policyStore.close()
      await router.close()
      await standard.dispose()
    },
  }
}
