import { randomBytes } from 'node:crypto'
import { copyFile, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChatStart } from '../../../../shared/chat'
import type { Decision, Tier } from '../../../../shared/decision'
import type { ChatResult } from '../../chat/chat-service'

/** The whole stack as the hosts build it (router, chat, providers, telemetry), for the deep checks. */
export interface DeepStack {
  decide(prompt: string, options?: { tier?: Tier }): Promise<Decision>
  generate(input: ChatStart): Promise<ChatResult>
  /** Resolves once the engine warmed up, so a timing is not a cold start. */
  ready: Promise<void>
  close(): Promise<void>
}

export interface DeepStackOptions {
  dataDir: string
  log: (line: string) => void
  /** Every request to a cloud endpoint goes through this fetch. */
  cloudFetch: typeof fetch
}

/** Built by the host (the composition root is above the doctor). */
export type DeepStackFactory = (options: DeepStackOptions) => Promise<DeepStack>

/**
 * A scratch data folder with the user's configuration (policy, endpoints, clusters, budget:
 * the top-level JSON files) and a link to their models, so the deep checks run the user's
 * setup without adding telemetry, spend or bandit statistics to their data folder.
 */
export async function scratchDataDir(from: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'routellm-doctor-'))
  const entries = await readdir(from, { withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.json')) await copyFile(join(from, e.name), join(dir, e.name))
    if (e.isDirectory() && e.name === 'models') await symlink(join(from, e.name), join(dir, e.name), 'dir')
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** A string no real prompt holds, shaped as private data (an e-mail address) so the privacy pin applies. */
export function canary(): string {
  return `doctor-canary-${randomBytes(6).toString('hex')}@example.com`
}

/** Files under `dir` (links not followed) whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = []
  const bytes = Buffer.from(needle, 'utf8')
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const path = join(e.parentPath, e.name)
    const content = await readFile(path).catch(() => null)
    if (content?.includes(bytes)) found.push(path)
  }
  return found
}
