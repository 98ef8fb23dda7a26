import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A file or folder under resources/: process.resourcesPath/<parts> in a packaged Electron
 * app, else the repository's resources/<parts>, found by walking up from this file (it runs
 * from electron/core in development and from the bundle under out/ when built). Falls back
 * to resources/<parts> under the working directory, so a missing resource is reported with
 * a path a person can check.
 */
export function bundledResource(...parts: string[]): string {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  if (resourcesPath && existsSync(path.join(resourcesPath, ...parts))) return path.join(resourcesPath, ...parts)
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 7; i++) {
    const candidate = path.join(dir, 'resources', ...parts)
    if (existsSync(candidate)) return candidate
    dir = path.dirname(dir)
  }
  return path.resolve('resources', ...parts)
}
