/**
 * Follows edits of <data folder>/clusters.json made outside the app (a text editor, another
 * process): a valid file is re-read and re-embedded in the background, while decisions keep the
 * clusters in force; an invalid one is ignored, the clusters in force stay, and the problem
 * (naming the bad fields) is reported where damaged data files are shown. A re-embed that fails
 * (the pillar then keeps the clusters in force and tries again after a growing delay) is
 * reported there too, with the time of the next try.
 */
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { DataFileProblem } from '../../../shared/health'
import { errorMessage } from '../../../shared/errors'
import { watchFolderFiles, type FolderWatch } from '../lib/folder-watch'
import { parseUserClusterText, type ClusterStore } from '../semantic/clusters'

export interface ClustersFileWatchOptions {
  /** The user's cluster file, <data folder>/clusters.json. */
  file: string
  /** The store the app edits through: its own writes are not external edits. */
  store: ClusterStore
  /** Re-reads the clusters and re-embeds them (the semantic pillar's reloadClusters); rejects when the re-embed fails. */
  reload: () => Promise<void>
  /** The pillar's re-embed state: the last failure and when the next try may start (the pillar's status). */
  reembed?: () => { error: string | null; retryAt: number | null }
  /** The clock `retryAt` is on (default Date.now). */
  now?: () => number
  log?: (line: string) => void
  /** Editors save in several steps: wait this long after the last event (default 150 ms). */
  debounceMs?: number
}

export interface ClustersFileWatch {
  /**
   * The invalid external edit being ignored, or else the failed re-embed of the file on disk and
   * when it is tried again; null when the clusters in force are the file on disk.
   */
  problem(): DataFileProblem | null
  /** Looks at the file now (the watch calls this after each change). */
  check(): Promise<void>
  close(): void
}

/** The file's text, or null when there is none (no user clusters: the built-in ones apply). */
async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

export function watchClustersFile(opts: ClustersFileWatchOptions): ClustersFileWatch {
  const log = opts.log ?? (() => {})
  const now = opts.now ?? Date.now
  const name = basename(opts.file)
  /** The text last acted on (read at start, written by the store, or checked here); undefined until known. */
  let known: string | null | undefined
  let problem: DataFileProblem | null = null
  let timer: NodeJS.Timeout | undefined
  let closed = false
  // One step at a time, in order: a check after the app's own edit sees that edit as known.
  let running: Promise<void> = Promise.resolve()
  const enqueue = (step: () => Promise<void>): Promise<void> => (running = running.then(step, step))

  const remember = () =>
    void enqueue(async () => {
      known = await readText(opts.file).catch(() => known)
    })
  remember()
  // The app's own edits are re-embedded by the cluster service; the watch sees them as already known.
  const unsubscribe = opts.store.onChange(remember)

  async function look(): Promise<void> {
    let text: string | null
    try {
      text = await readText(opts.file)
    } catch (error) {
      problem = { file: name, message: `${name}: cannot be read (${errorMessage(error)}). The clusters in use before the change stay in force.` }
      log(problem.message)
      return
    }
    if (text === known) return
    known = text
    try {
      if (text !== null) parseUserClusterText(text, opts.file)
    } catch (error) {
      problem = {
        file: name,
        message: `${errorMessage(error)}. The clusters in use before the change stay in force until the file is fixed.`,
      }
      log(problem.message)
      return
    }
    problem = null
    log(`${name} changed on disk; re-embedding the clusters in the background`)
    await opts.reload().catch((error: unknown) => log(`${name}: re-embedding failed (${errorMessage(error)})`))
  }

  const check = (): Promise<void> => enqueue(look)

  const watch: FolderWatch | null = watchFolderFiles(dirname(opts.file), [name], () => {
    if (closed) return
    clearTimeout(timer)
    timer = setTimeout(() => void check(), opts.debounceMs ?? 150)
  })

  /** Read when asked, so it clears as soon as a later try succeeds. */
  const reembedProblem = (): DataFileProblem | null => {
    const state = opts.reembed?.()
    if (!state?.error || state.retryAt === null) return null
    const inSeconds = Math.max(0, Math.ceil((state.retryAt - now()) / 1000))
    return {
      file: name,
      message:
        `${name}: re-embedding the clusters failed (${state.error}). The clusters in use before stay in force; ` +
        `the next try starts with the first decision after ${new Date(state.retryAt).toISOString()} (in ${inSeconds} s).`,
    }
  }

  return {
    problem: () => problem ?? reembedProblem(),
    check,
    close() {
      closed = true
      clearTimeout(timer)
      unsubscribe()
      watch?.close()
    },
  }
}
