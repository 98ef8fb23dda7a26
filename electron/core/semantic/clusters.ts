/**
 * Intent clusters: named lists of example utterances, each with the tier its prompts
 * usually need. Shipped defaults live in resources/clusters/default.json; the user's own
 * clusters and edits live in <dataDir>/clusters.json:
 *   - a user cluster with a new id adds a cluster;
 *   - a user cluster with a default's id replaces that default (editing a default copies it);
 *   - `disabled` lists default ids the user turned off.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { ClusterDef, ClusterId } from '../../../shared/clusters'
import { writeJsonAtomic } from '../lib/atomic-file'
import { bundledResource } from '../lib/bundled-resource'
import { errorMessage } from '../../../shared/errors'

// The schemas of one cluster are part of the contract (clusters.save): defined once, in shared/.
export { ClusterDef, ClusterId } from '../../../shared/clusters'

export const ClusterFile = z.object({
  version: z.literal(1),
  description: z.string().optional(),
  clusters: z.array(ClusterDef),
})
export type ClusterFile = z.infer<typeof ClusterFile>

export const UserClusterFile = z.object({
  version: z.literal(1),
  clusters: z.array(ClusterDef).default([]),
  disabled: z.array(ClusterId).default([]),
})
export type UserClusterFile = z.infer<typeof UserClusterFile>

export type ClusterOrigin = 'default' | 'user' | 'edited-default'
export interface Cluster extends ClusterDef {
  origin: ClusterOrigin
}

/** resources/clusters/default.json next to the bundled models root's parent. */
export function defaultClustersFile(resourcesDir?: string): string {
  return resourcesDir ? path.join(resourcesDir, 'clusters', 'default.json') : bundledResource('clusters', 'default.json')
}

export function userClustersFileOf(dataDir: string): string {
  return path.join(dataDir, 'clusters.json')
}

function problems(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

export async function loadClusterFile(file: string): Promise<ClusterFile> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new Error(`cluster file ${file} cannot be read: ${errorMessage(err)}`, { cause: err })
  }
  const parsed = ClusterFile.safeParse(raw)
  if (!parsed.success) throw new Error(`cluster file ${file} is invalid: ${problems(parsed.error)}`)
  assertUniqueIds(parsed.data.clusters, file)
  return parsed.data
}

function assertUniqueIds(clusters: readonly ClusterDef[], where: string): void {
  const seen = new Set<string>()
  for (const c of clusters) {
    if (seen.has(c.id)) throw new Error(`cluster id "${c.id}" appears twice in ${where}`)
    seen.add(c.id)
  }
}

/** Reads the user's file; a missing file is an empty one. */
export async function loadUserClusterFile(file: string): Promise<UserClusterFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return { version: 1, clusters: [], disabled: [] }
  }
  return parseUserClusterText(text, file)
}

/** Checks the text of a user cluster file; the error names the bad fields. */
export function parseUserClusterText(text: string, file: string): UserClusterFile {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new Error(`user cluster file ${file} is not valid JSON: ${errorMessage(err)}`, { cause: err })
  }
  const parsed = UserClusterFile.safeParse(raw)
  if (!parsed.success) throw new Error(`user cluster file ${file} is invalid: ${problems(parsed.error)}`)
  assertUniqueIds(parsed.data.clusters, file)
  return parsed.data
}

/** The effective clusters: defaults (minus disabled, replaced by edits) then user-only clusters. */
export function mergeClusters(defaults: readonly ClusterDef[], user: UserClusterFile): Cluster[] {
  const userById = new Map(user.clusters.map((c) => [c.id, c]))
  const disabled = new Set(user.disabled)
  const out: Cluster[] = []
  for (const d of defaults) {
    if (disabled.has(d.id)) continue
    const edited = userById.get(d.id)
    out.push(edited ? { ...edited, origin: 'edited-default' } : { ...d, origin: 'default' })
  }
  const defaultIds = new Set(defaults.map((d) => d.id))
  for (const c of user.clusters) if (!defaultIds.has(c.id)) out.push({ ...c, origin: 'user' })
  return out
}

export interface ClusterStoreOptions {
  defaultsFile: string
  /** <dataDir>/clusters.json; without it the store is read-only (defaults only). */
  userFile?: string
  /** Hears once about a damaged user file (and once when it is readable again). */
  log?: (line: string) => void
}

/**
 * Reads and edits the effective cluster set. Every edit rewrites the user's file
 * atomically and bumps `revision`; listeners hear about it (the pillar re-embeds).
 */
export class ClusterStore {
  private defaults: ClusterDef[] | null = null
  private listeners = new Set<(clusters: Cluster[]) => void>()
  private queue: Promise<unknown> = Promise.resolve()
  revision = 0
  private damaged: string | null = null
  /** The user's file as last read whole: it stays in force when a later edit breaks the file. */
  private lastGood: UserClusterFile | null = null

  constructor(readonly opts: ClusterStoreOptions) {}

  /** What is wrong with the user's clusters.json while the built-in clusters stand in for it; null when it is fine. */
  problem(): { file: string; message: string } | null {
    return this.damaged === null ? null : { file: path.basename(this.opts.userFile ?? 'clusters.json'), message: this.damaged }
  }

  private async defaultClusters(): Promise<ClusterDef[]> {
    this.defaults ??= (await loadClusterFile(this.opts.defaultsFile)).clusters
    return this.defaults
  }

  /**
   * The effective clusters. A damaged user file never switches the semantic pillar off: the
   * user's clusters last read whole stay in force, or with none the built-in clusters stand
   * in, until it is fixed (edits are refused until then, so the user's file is never
   * overwritten), and `problem()` says why.
   */
  async list(): Promise<Cluster[]> {
    const defaults = await this.defaultClusters()
    let user = UserClusterFile.parse({ version: 1 })
    let damaged: string | null = null
    if (this.opts.userFile) {
      try {
        user = await loadUserClusterFile(this.opts.userFile)
        this.lastGood = user
      } catch (err) {
        if (this.lastGood) user = this.lastGood
        damaged = `${errorMessage(err)}. ${this.lastGood ? 'The clusters in use before the change stay in force' : 'Using the built-in clusters'} until the file is fixed.`
      }
    }
    if (damaged !== this.damaged) this.opts.log?.(damaged ?? `${this.opts.userFile} is readable again; your clusters are in use`)
    this.damaged = damaged
    return mergeClusters(defaults, user)
  }

  onChange(fn: (clusters: Cluster[]) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Serialises edits so two concurrent changes cannot lose each other. */
  private edit(fn: (user: UserClusterFile, defaults: ClusterDef[]) => void): Promise<Cluster[]> {
    const userFile = this.opts.userFile
    if (!userFile) return Promise.reject(new Error('clusters are read-only here: no user cluster file is configured'))
    const next = this.queue.then(async () => {
      const defaults = await this.defaultClusters()
      const user = await loadUserClusterFile(userFile)
      fn(user, defaults)
      const checked = UserClusterFile.parse(user)
      assertUniqueIds(checked.clusters, userFile)
      writeJsonAtomic(userFile, checked)
      this.revision++
      const merged = mergeClusters(defaults, checked)
      for (const l of this.listeners) l(merged)
      return merged
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  /** The user's copy of a cluster, copying a default on first edit. */
  private static editable(user: UserClusterFile, defaults: ClusterDef[], id: string): ClusterDef {
    let own = user.clusters.find((c) => c.id === id)
    if (!own) {
      const d = defaults.find((c) => c.id === id)
      if (!d || user.disabled.includes(id)) throw new Error(`no cluster "${id}"`)
      own = structuredClone(d)
      user.clusters.push(own)
    }
    return own
  }

  addUtterance(clusterId: string, text: string): Promise<Cluster[]> {
    const t = text.trim()
    if (!t) return Promise.reject(new Error('an utterance cannot be empty'))
    return this.edit((user, defaults) => {
      const c = ClusterStore.editable(user, defaults, clusterId)
      if (!c.utterances.includes(t)) c.utterances.push(t)
    })
  }

  removeUtterance(clusterId: string, text: string): Promise<Cluster[]> {
    return this.edit((user, defaults) => {
      const c = ClusterStore.editable(user, defaults, clusterId)
      const i = c.utterances.indexOf(text.trim())
      if (i < 0) throw new Error(`cluster "${clusterId}" has no utterance "${text}"`)
      if (c.utterances.length === 1) throw new Error(`cluster "${clusterId}" needs at least one utterance; remove the cluster instead`)
      c.utterances.splice(i, 1)
    })
  }

  /** Adds a new cluster or replaces one (a default id makes an edited copy). */
  upsertCluster(def: ClusterDef): Promise<Cluster[]> {
    const check = ClusterDef.safeParse(def)
    if (!check.success) return Promise.reject(new Error(`invalid cluster: ${problems(check.error)}`))
    const parsed = check.data
    return this.edit((user) => {
      user.disabled = user.disabled.filter((id) => id !== parsed.id)
      const i = user.clusters.findIndex((c) => c.id === parsed.id)
      if (i >= 0) user.clusters[i] = parsed
      else user.clusters.push(parsed)
    })
  }

  /** Removes a user cluster, or turns a default one off. */
  removeCluster(id: string): Promise<Cluster[]> {
    return this.edit((user, defaults) => {
      const had = user.clusters.length
      user.clusters = user.clusters.filter((c) => c.id !== id)
      const isDefault = defaults.some((d) => d.id === id)
      if (isDefault) {
        if (!user.disabled.includes(id)) user.disabled.push(id)
      } else if (user.clusters.length === had) {
        throw new Error(`no cluster "${id}"`)
      }
    })
  }

  /** Drops the user's edits of a default cluster and turns it back on. */
  resetCluster(id: string): Promise<Cluster[]> {
    return this.edit((user, defaults) => {
      if (!defaults.some((d) => d.id === id)) throw new Error(`"${id}" is not a default cluster`)
      user.clusters = user.clusters.filter((c) => c.id !== id)
      user.disabled = user.disabled.filter((d) => d !== id)
    })
  }
}
