// Whether the CLI built by `npm run build` (out/main/cli.js) may run instead of the TypeScript
// sources: it exists and is newer than every source file it is made of.
import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('../', import.meta.url)
export const BUILT_CLI = new URL('out/main/cli.js', ROOT)

/** The newest modification time of the TypeScript files under `dir`, in ms (0 when there is none). */
function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs)
  }
  return newest
}

/** `root`: the package folder (a URL ending in /); this package by default. */
export function builtCliIsCurrent(root = ROOT) {
  try {
    const builtAt = statSync(new URL('out/main/cli.js', root)).mtimeMs
    return ['electron', 'shared'].every((dir) => newestSource(fileURLToPath(new URL(dir, root))) < builtAt)
  } catch {
    return false
  }
}
