import { watch } from 'node:fs'

export interface FolderWatch {
  close(): void
}

/**
 * Hears about changes to some files of a folder. It watches the folder, not the files:
 * writers (RouteLLM's atomic writes, editors) replace a file by renaming a new one over it,
 * which a watch on the old file never sees. `changed` runs for each event that names one of
 * `names`, or names nothing (some platforms leave the name out). Returns null where the
 * folder cannot be watched (missing, no watch support); after an error the watch stops and
 * `failed` runs, so the caller can fall back to reading the file itself.
 */
export function watchFolderFiles(dir: string, names: readonly string[], changed: (name: string | null) => void, failed?: () => void): FolderWatch | null {
  const wanted = new Set(names)
  try {
    const watcher = watch(dir, { persistent: false }, (_event, name) => {
      const file = name ? name.toString() : null
      if (file === null || wanted.has(file)) changed(file)
    })
    watcher.on('error', () => {
      watcher.close()
      failed?.()
    })
    return watcher
  } catch {
    return null
  }
}
