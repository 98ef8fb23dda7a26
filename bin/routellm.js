#!/usr/bin/env node
// The `routellm` command. The CLI is TypeScript: tsx compiles it on load. Paths are resolved
// from this file, so the command works from any folder, from a checkout (`npx routellm`) and
// after a global install.
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

register({ tsconfig: fileURLToPath(new URL('../tsconfig.node.json', import.meta.url)) })
await import(new URL('../electron/server/bin.ts', import.meta.url).href)
