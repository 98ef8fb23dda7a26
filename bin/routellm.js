#!/usr/bin/env node
// The `routellm` command. It runs the CLI built by `npm run build` (out/main/cli.js) when that
// build is newer than every source file it is made of: plain JavaScript starts twice as fast
// and keeps tsx's compiler and its loader thread (~60 MiB) out of a long-running `serve`.
// Otherwise (no build, sources edited since, or ROUTELLM_FROM_SOURCE=1) tsx compiles the
// TypeScript CLI on load, so the command never runs stale code. Paths are resolved from this
// file, so the command works from any folder, from a checkout (`npx routellm`) and after a
// global install.
import { fileURLToPath } from 'node:url'
import { BUILT_CLI, builtCliIsCurrent } from './built-cli.js'
import { applyServeHeapFlags } from './serve-heap.js'

applyServeHeapFlags()

if (process.env.ROUTELLM_FROM_SOURCE !== '1' && builtCliIsCurrent()) {
  await import(BUILT_CLI.href)
} else {
  const { register } = await import('tsx/esm/api')
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.node.json', import.meta.url)) })
  await import(new URL('../electron/server/bin.ts', import.meta.url).href)
}
