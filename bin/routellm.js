#!/usr/bin/env node
// The `routellm` command. It runs the CLI built by `npm run build` (out/main/cli.js) when that
// build is newer than every source file it is made of: plain JavaScript starts twice as fast
// and keeps tsx's compiler and its loader thread (~60 MiB) out of a long-running `serve`.
// Otherwise (no build, or sources edited since) tsx compiles the TypeScript CLI on load, so
// the command never runs stale code. Paths are resolved from this file, so the command works
// from any folder, from a checkout (`npx routellm`) and after a global install.
import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('../', import.meta.url)
const built = fileURLToPath(new URL('out/main/cli.js', root))

/** The newest modification time of the TypeScript files under `dir`, in ms (0 when there is none). */
function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs)
  }
  return newest
}

function builtIsCurrent() {
  try {
    const builtAt = statSync(built).mtimeMs
    return ['electron', 'shared'].every((dir) => newestSource(fileURLToPath(new URL(dir, root))) < builtAt)
  } catch {
    return false
  }
}

if (process.env.ROUTELLM_FROM_SOURCE !== '1' && builtIsCurrent()) {
  await import(new URL('out/main/cli.js', root).href)
} else {
  const { register } = await import('tsx/esm/api')
  register({ tsconfig: fileURLToPath(new URL('tsconfig.node.json', root)) })
  await import(new URL('electron/server/bin.ts', root).href)
}
