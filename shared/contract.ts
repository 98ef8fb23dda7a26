import { z } from 'zod'
import { banditContract } from './bandit'
import { ChatStart, ChatStatus, ChatToken, Prompt } from './chat'
import { clustersContract } from './clusters'
import { Decision, Tier } from './decision'
import { Budget, CostSummary, EndpointsReport, NetworkStatus } from './health'
import { ModelPrice } from './endpoints'
import { OllamaStatus } from './ollama'
import { optimizeContract } from './optimize'
import { keysContract, keysEvents } from './keys'
import { policyContract, policyEvents } from './policy-contract'
import { probeContract, probeEvents } from './probe'
import { telemetryContract } from './telemetry'

/**
 * The one contract between the engine and every front end. The Electron host binds each
 * channel to ipcMain.handle, the headless host serves it at POST /api/rpc/<channel>; both
 * validate `input` before a handler runs. Add a capability here once and both hosts get it.
 */
export const contract = {
  'route.decide': {
    input: z.object({ prompt: Prompt, tier: Tier.optional() }),
    output: Decision,
  },
  'chat.start': { input: ChatStart, output: z.object({ requestId: z.string() }) },
  'chat.stop': { input: z.object({ requestId: z.string().min(1) }), output: z.object({ stopped: z.boolean() }) },
  'ollama.status': { input: z.object({ refresh: z.boolean().optional() }), output: OllamaStatus },
  'app.info': {
    input: z.object({}),
    output: z.object({ version: z.string(), host: z.enum(['electron', 'headless']), dataDir: z.string() }),
  },
  // Endpoints and keys (shared/keys.ts): keys go in, never out.
  ...keysContract,
  // The semantic router's intent clusters (shared/clusters.ts): list, edit, re-embed.
  ...clustersContract,
  // Health, network and cost (shared/health.ts).
  'health.status': { input: z.object({ refresh: z.boolean().optional() }), output: EndpointsReport },
  'network.setOffline': { input: z.object({ offline: z.boolean() }), output: NetworkStatus },
  'cost.summary': { input: z.object({}), output: CostSummary },
  'cost.setBudget': { input: Budget.partial(), output: CostSummary },
  'cost.setPrice': {
    input: z.object({ model: z.string().min(1).max(200), endpoint: z.string().min(1).max(40).optional(), price: ModelPrice.nullable() }),
    output: CostSummary,
  },
  // Telemetry (one row per generation, never any text) and thumbs up/down (shared/telemetry.ts).
  ...telemetryContract,
  // The routing policy: what is in force, why a file was rejected, and the threshold (shared/policy-contract.ts).
  ...policyContract,
  // Optimize Load: proposals from telemetry, applied and reverted through the audited policy override (shared/optimize.ts).
  ...optimizeContract,
  // What the bandit has learned per arm (shared/bandit.ts).
  ...banditContract,
  // The local self-check: run, stop, and its per-cluster pass rates (shared/probe.ts).
  ...probeContract,
} as const

/** Server-to-client pushes (ipc webContents.send / server-sent events). */
export const events = {
  'chat.status': ChatStatus,
  'chat.token': ChatToken,
  ...keysEvents,
  'health.status': EndpointsReport,
  ...policyEvents,
  ...probeEvents,
} as const

export type Contract = typeof contract
export type Channel = keyof Contract
export type EventName = keyof typeof events
export type Input<C extends Channel> = z.infer<Contract[C]['input']>
export type Output<C extends Channel> = z.infer<Contract[C]['output']>
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>

export type Handlers = { [C in Channel]: (input: Input<C>) => Promise<Output<C>> }

export const channels = Object.keys(contract) as Channel[]
export const eventNames = Object.keys(events) as EventName[]

export function isChannel(name: string): name is Channel {
  return Object.hasOwn(contract, name)
}
