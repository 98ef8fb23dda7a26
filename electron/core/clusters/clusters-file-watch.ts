/**
 * Follows edits of <data folder>/clusters.json made outside the app (a text editor, another
 * process): a valid file is re-read and re-embedded in the background, while decisions keep the
 * clusters in force; an invalid one is ignored, the clusters in force stay, and the problem
 * (naming the bad fields) is reported where damaged data files are shown.
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
  /** Re-reads the clusters and re-embeds them (the semantic pillar's reloadClusters). */
  reload: () => Promise<void>
  log?: (line: string) => void
  /** Editors save in several steps: wait this long after the last event (default 150 ms). */
  debounceMs?: number
}

export interface ClustersFileWatch {
  /** The invalid external edit being ignored; null when the file in force is the file on disk. */
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

  return {
    problem: () => problem,
    check,
    close() {
      closed = true
      clearTimeout(timer)
      unsubscribe()
      watch?.close()
    },
  }
}
