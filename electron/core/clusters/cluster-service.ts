/**
 * The intent clusters as the contract sees them: views of the effective clusters, and edits
 * that go through the ClusterStore (written atomically to <data folder>/clusters.json) and
 * are then re-embedded by the semantic pillar before the call returns, so the next decision
 * already uses them.
 */
import { ContractError } from '../../../shared/client'
import type { ClusterChange, ClusterDef, ClusterDetail, ClustersOverview, ClusterSummary, SemanticIndexStatus } from '../../../shared/clusters'
import type { SemanticPillar, SemanticStatus } from '../pillars/semantic'
import { semanticSettingsOf } from '../semantic/active'
import { loadUserClusterFile, type Cluster, type ClusterStore } from '../semantic/clusters'
import { thresholdsFor } from '../semantic/settings'
import { errorMessage } from '../../../shared/errors'

export interface ClusterServiceDeps {
  store: ClusterStore
  /** The running semantic pillar (re-embeds after a change); null when it is not loaded. */
  pillar: SemanticPillar | null
  /** The policy in force (its `semantic` section names the model and its thresholds). */
  policy: () => { semantic?: unknown }
}

export interface ClusterService {
  list(): Promise<ClustersOverview>
  get(id: string): Promise<ClusterDetail>
  addUtterance(clusterId: string, text: string): Promise<ClusterChange>
  removeUtterance(clusterId: string, text: string): Promise<ClusterChange>
  save(cluster: ClusterDef): Promise<ClusterChange>
  remove(id: string): Promise<ClusterChange>
  reset(id: string): Promise<ClusterChange>
}

function indexStatus(s: SemanticStatus): SemanticIndexStatus {
  return { model: s.model, state: s.state, error: s.error, clusters: s.clusters, utterances: s.utterances, calibrated: s.calibrated }
}

/** A store refusal becomes a contract error the caller can show (unexpected errors stay internal). */
function refused(error: unknown): never {
  if (error instanceof ContractError) throw error
  const message = errorMessage(error)
  if (/^no cluster "/.test(message)) throw new ContractError(message, 'not-found')
  if (/read-only|cannot be read|is invalid|not valid JSON/.test(message)) throw new ContractError(message, 'unavailable')
  throw new ContractError(message, 'invalid-input')
}

export function createClusterService(deps: ClusterServiceDeps): ClusterService {
  const defaultThreshold = () => {
    const settings = semanticSettingsOf(deps.policy())
    return { model: settings.model, minSimilarity: thresholdsFor(settings, settings.model).minSimilarity }
  }

  const summary = (c: Cluster, minSimilarity: number): ClusterSummary => ({
    id: c.id,
    name: c.name,
    tier: c.tier,
    description: c.description ?? null,
    source: c.origin === 'user' ? 'user' : 'default',
    edited: c.origin === 'edited-default',
    utteranceCount: c.utterances.length,
    threshold: c.threshold ?? null,
    effectiveThreshold: c.threshold ?? minSimilarity,
  })
  const detail = (c: Cluster, minSimilarity: number): ClusterDetail => ({ ...summary(c, minSimilarity), utterances: [...c.utterances] })

  /** Re-embeds for the active model (the store's change listener already told the pillar). */
  const reembed = async (): Promise<SemanticIndexStatus | null> => (deps.pillar ? indexStatus(await deps.pillar.warmup()) : null)

  const change = async (edit: () => Promise<Cluster[]>, id: string | null): Promise<ClusterChange> => {
    let clusters: Cluster[]
    try {
      clusters = await edit()
    } catch (error) {
      refused(error)
    }
    const found = id === null ? undefined : clusters.find((c) => c.id === id)
    return { cluster: found ? detail(found, defaultThreshold().minSimilarity) : null, semantic: await reembed() }
  }

  return {
    async list() {
      const { model, minSimilarity } = defaultThreshold()
      let clusters: Cluster[]
      let disabled: string[] = []
      try {
        clusters = await deps.store.list()
        if (deps.store.opts.userFile) disabled = (await loadUserClusterFile(deps.store.opts.userFile)).disabled
      } catch (error) {
        refused(error)
      }
      return {
        clusters: clusters.map((c) => summary(c, minSimilarity)),
        disabled,
        editable: Boolean(deps.store.opts.userFile),
        model,
        semantic: deps.pillar ? indexStatus(deps.pillar.status()) : null,
      }
    },
    async get(id) {
      let clusters: Cluster[]
      try {
        clusters = await deps.store.list()
      } catch (error) {
        refused(error)
      }
      const c = clusters.find((x) => x.id === id)
      if (!c) throw new ContractError(`no cluster "${id}"`, 'not-found')
      return detail(c, defaultThreshold().minSimilarity)
    },
    addUtterance: (clusterId, text) => change(() => deps.store.addUtterance(clusterId, text), clusterId),
    removeUtterance: (clusterId, text) => change(() => deps.store.removeUtterance(clusterId, text), clusterId),
    save: (cluster) => change(() => deps.store.upsertCluster(cluster), cluster.id),
    remove: (id) => change(() => deps.store.removeCluster(id), null),
    reset: (id) => change(() => deps.store.resetCluster(id), id),
  }
}
