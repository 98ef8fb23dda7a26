import type { Handlers } from '../../shared/contract'
import { armValues } from './pillars/arm-values'
import { clearOverride, policyStatus, policyView, revertOverride, saveOverride, setThreshold, type PolicyFiles } from './policy/dashboard'
import type { Services } from './services'
import { submitFeedback } from './telemetry/feedback'

/**
 * The contract's behaviour, written once. Both hosts serve exactly this table: the Electron
 * host over ipcMain, the headless host over HTTP. Inputs arrive already validated.
 */
export function createHandlers(services: Services): Handlers {
  const policy = (): PolicyFiles => ({ store: services.router.policyStore, overrides: services.router.overrides, dataDir: services.dataDir })
  return {
    'route.decide': async ({ prompt, tier }) => services.router.decide(prompt, tier ? { tier } : {}),
    'chat.start': async (input) => services.chat.start(input),
    'chat.stop': async ({ requestId }) => ({ stopped: services.chat.stop(requestId) }),
    'ollama.status': async ({ refresh }) => services.bridge.detect(refresh ?? false),
    'app.info': async () => ({ version: services.version, host: services.host, dataDir: services.dataDir }),
    // Endpoints and keys: a key goes in (keys.set, keys.import), no output carries one.
    'endpoints.list': async () => {
      const overview = await services.endpoints.list()
      const saved = new Set(overview.endpoints.map((e) => e.id))
      // The providers see settings and environment endpoints together; show the latter too.
      const fromEnvironment = services.providers.source
        .list()
        .filter((e) => !saved.has(e.id) && e.tier === 'cloud')
        .map(({ id, name, tier, baseURL, models }) => ({ id, name, tier, baseURL, models }))
      return { ...overview, fromEnvironment }
    },
    'endpoints.save': async ({ endpoint, mode }) => services.endpoints.save(endpoint, mode),
    'endpoints.remove': async ({ id, removeKey }) => services.endpoints.remove(id, removeKey),
    'endpoints.test': async ({ id }) => services.endpoints.test(id),
    'keys.set': async ({ endpointId, key }) => services.endpoints.setKey(endpointId, key),
    'keys.check': async ({ endpointId }) => services.endpoints.checkKey(endpointId),
    'keys.remove': async ({ endpointId }) => services.endpoints.removeKey(endpointId),
    'keys.import': async ({ content, fileName }) => services.endpoints.importKeysFile(content, fileName),
    'keys.export': async () => services.endpoints.exportKeysFile(),
    // Health (circuit breakers, Ollama and cloud reachability), the offline switch, spend and budgets.
    'health.status': async ({ refresh }) => {
      if (refresh) await Promise.all([services.providers.registry.refreshLocal(), services.providers.network.recheck()])
      return services.providers.gate.report()
    },
    'network.setOffline': async ({ offline }) => {
      services.providers.network.setOffline(offline)
      return services.providers.network.status()
    },
    'cost.summary': async () => services.providers.costs.summary(),
    'cost.setBudget': async (budget) => {
      services.providers.costs.setBudget(budget)
      return services.providers.costs.summary()
    },
    'cost.setPrice': async ({ model, endpoint, price }) => {
      services.providers.costs.setPrice(endpoint ? `${endpoint}/${model}` : model, price)
      return services.providers.costs.summary()
    },
    // Intent clusters of the semantic router; every edit is re-embedded before it returns.
    'clusters.list': async () => services.clusters.list(),
    'clusters.get': async ({ id }) => services.clusters.get(id),
    'clusters.addUtterance': async ({ clusterId, text }) => services.clusters.addUtterance(clusterId, text),
    'clusters.removeUtterance': async ({ clusterId, text }) => services.clusters.removeUtterance(clusterId, text),
    'clusters.save': async ({ cluster }) => services.clusters.save(cluster),
    'clusters.remove': async ({ id }) => services.clusters.remove(id),
    'clusters.reset': async ({ id }) => services.clusters.reset(id),
    // Telemetry: figures about past generations, never their text. A thumbs up/down also teaches the bandit.
    'telemetry.summary': async ({ windowHours }) => services.telemetry.summary({ windowHours }),
    'telemetry.recent': async ({ limit }) => ({ rows: services.telemetry.recent(limit ?? 50) }),
    'feedback.submit': async ({ requestId, rating }) => submitFeedback(services, requestId, rating),
    // The routing policy: the dashboard writes only the audited override, never policy.json.
    'policy.status': async () => policyStatus(policy()),
    'policy.get': async () => policyView(policy()),
    'policy.setThreshold': async ({ threshold }) => setThreshold(policy(), threshold),
    'policy.clearOverride': async () => clearOverride(policy()),
    'policy.saveOverride': async (input) => saveOverride(policy(), input),
    'policy.audit': async ({ limit }) => ({ entries: await services.router.overrides.audit.list(limit ?? 50) }),
    'policy.revert': async ({ id }) => revertOverride(policy(), id),
    // Optimize Load: proposals from telemetry; Apply and Revert go through the audited override as actor 'optimize'.
    'optimize.propose': async () => services.optimize.propose(),
    'optimize.apply': async () => services.optimize.apply(),
    'optimize.revert': async ({ id }) => services.optimize.revert(id),
    'bandit.arms': async () => armValues(services.router.bandit.stats(), services.router.policyStore.get().bandit),
    // The local self-check runs in the background; progress arrives as probe.progress / probe.status events.
    'probe.start': async ({ model }) => services.probe.start(model),
    'probe.stop': async () => services.probe.stop(),
    'probe.status': async () => services.probe.status(),
  }
}
