import { z } from 'zod'
import { Tier } from './decision'

/**
 * The semantic router's intent clusters on the contract. Shipped defaults live in the app's
 * resources; the user's additions and edits in <data folder>/clusters.json. Editing a
 * default cluster makes the user's own copy of it (source "default", edited true); `reset`
 * drops the copy. After every change the semantic pillar re-embeds the clusters.
 */

export const ClusterId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes')

export const Utterance = z.string().trim().min(1).max(4000)

/** One cluster as stored (the cluster files' schema). */
export const ClusterDef = z.object({
  id: ClusterId,
  name: z.string().min(1).max(120),
  tier: Tier,
  description: z.string().max(500).optional(),
  /** Minimum similarity for this cluster to count; the model's default applies when absent. */
  threshold: z.number().min(-1).max(1).optional(),
  utterances: z.array(Utterance).min(1).max(2000),
})
export type ClusterDef = z.infer<typeof ClusterDef>

export const ClusterSummary = z.object({
  id: ClusterId,
  name: z.string(),
  tier: Tier,
  description: z.string().nullable(),
  /** "default": shipped with the app (possibly edited), "user": added by the user. */
  source: z.enum(['default', 'user']),
  /** A default cluster the user changed (their copy is in force). */
  edited: z.boolean(),
  utteranceCount: z.number().int().nonnegative(),
  /** The cluster's own minimum similarity, or null when the model's default applies. */
  threshold: z.number().nullable(),
  /** The minimum similarity in force for the active model. */
  effectiveThreshold: z.number(),
})
export type ClusterSummary = z.infer<typeof ClusterSummary>

export const ClusterDetail = ClusterSummary.extend({ utterances: z.array(z.string()) })
export type ClusterDetail = z.infer<typeof ClusterDetail>

/** The semantic pillar after the clusters were (re-)embedded; null when the pillar is not running. */
export const SemanticIndexStatus = z.object({
  model: z.string(),
  state: z.enum(['idle', 'loading', 'ready', 'error']),
  error: z.string().nullable(),
  /** Clusters and utterances in the embedded index. */
  clusters: z.number().int().nonnegative(),
  utterances: z.number().int().nonnegative(),
  calibrated: z.boolean(),
})
export type SemanticIndexStatus = z.infer<typeof SemanticIndexStatus>

export const ClustersOverview = z.object({
  clusters: z.array(ClusterSummary),
  /** Default clusters the user turned off (clusters.reset turns one back on). */
  disabled: z.array(ClusterId),
  /** False when no user cluster file is configured (defaults only, read-only). */
  editable: z.boolean(),
  /** The active embedding model the thresholds refer to. */
  model: z.string(),
  semantic: SemanticIndexStatus.nullable(),
})
export type ClustersOverview = z.infer<typeof ClustersOverview>

export const ClusterChange = z.object({
  /** The cluster after the change; null after clusters.remove. */
  cluster: ClusterDetail.nullable(),
  semantic: SemanticIndexStatus.nullable(),
})
export type ClusterChange = z.infer<typeof ClusterChange>

const UtteranceEdit = z.object({ clusterId: ClusterId, text: Utterance })

export const clustersContract = {
  'clusters.list': { input: z.object({}), output: ClustersOverview },
  'clusters.get': { input: z.object({ id: ClusterId }), output: ClusterDetail },
  'clusters.addUtterance': { input: UtteranceEdit, output: ClusterChange },
  'clusters.removeUtterance': { input: UtteranceEdit, output: ClusterChange },
  /** Create a user cluster, or replace one (a default id makes the user's copy of it). */
  'clusters.save': { input: z.object({ cluster: ClusterDef }), output: ClusterChange },
  /** Remove a user cluster, or turn a default one off. */
  'clusters.remove': { input: z.object({ id: ClusterId }), output: ClusterChange },
  /** Drop the user's copy of a default cluster and turn it back on. */
  'clusters.reset': { input: z.object({ id: ClusterId }), output: ClusterChange },
} as const
