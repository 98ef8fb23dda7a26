import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The first <folder>/<parts> that exists, walking up from this file's folder: it runs from
 * electron/core/lib in development and from a bundle chunk under out/ when built, at different
 * depths, so a path relative to this file would differ between the two. Null when none exists.
 */
export function findUp(...parts: string[]): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 7; i++) {
    const candidate = path.join(dir, ...parts)
    if (existsSync(candidate)) return candidate
    dir = path.dirname(dir)
  }
  return null
}

/**
 * A file or folder under resources/: process.resourcesPath/<parts> in a packaged Electron
 * app, else the repository's resources/<parts> (see findUp). Falls back to resources/<parts>
 * under the working directory, so a missing resource is reported with a path a person can check.
 */
export function bundledResource(...parts: string[]): string {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  if (resourcesPath && existsSync(path.join(resourcesPath, ...parts))) return path.join(resourcesPath, ...parts)
  return findUp('resources', ...parts) ?? path.resolve('resources', ...parts)
}
