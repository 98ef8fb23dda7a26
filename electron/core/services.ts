import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Decision, Tier } from '../../shared/decision'
import { ChatService } from './chat/chat-service'
import { resolveDataDir } from './data-dir'
import { createRouter } from './engine/router'
import { EventBus } from './event-bus'
import { OllamaBridge } from './ollama/bridge'

export interface ServicesOptions {
  host: 'electron' | 'headless'
  env?: NodeJS.ProcessEnv
  /** Overrides ROUTELLM_HOME / the platform folder (tests). */
  dataDir?: string
  log?: (line: string) => void
}

/** Everything the handlers need, built once per host process. */
export interface Services {
  host: 'electron' | 'headless'
  version: string
  dataDir: string
  bus: EventBus
  bridge: OllamaBridge
  router: { decide(prompt: string, options?: { tier?: Tier; signal?: AbortSignal }): Promise<Decision> }
  chat: ChatService
  close(): Promise<void>
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

export async function createServices(options: ServicesOptions): Promise<Services> {
  const env = options.env ?? process.env
  const log = options.log ?? (() => {})
  const dataDir = options.dataDir ?? resolveDataDir(env)
  mkdirSync(dataDir, { recursive: true })

  const bus = new EventBus()
  const bridge = new OllamaBridge({ env })
  const router = await createRouter({ dataDir, bridge, log })
  const chat = new ChatService({ router, bridge, bus, onOutcome: (outcome) => router.record?.(outcome) })

  return {
    host: options.host,
    version,
    dataDir,
    bus,
    bridge,
    router,
    chat,
    async close() {
      chat.stopAll()
      await router.close?.()
    },
  }
}
