import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { createHandlers } from '../../electron/core/handlers'
import { createServices, type Services } from '../../electron/core/services'
import { createHttpHost } from '../../electron/server/http-server'
import { MemoryKeyStore } from './memory-key-store'

export interface GatewayHost {
  /** The host's own services: its health, spend, telemetry and bandit belong to this host alone. */
  readonly services: Services
  /** The OpenAI-compatible gateway's address (`…/v1`). */
  readonly baseURL: string
  /** The real openai SDK against the gateway with the launch token, SDK retries off. */
  readonly client: OpenAI
  /** Closes the HTTP host, then the services, and removes the data folder. */
  close(): Promise<void>
}

export interface GatewayHostOptions {
  /** Where the host finds Ollama and the cloud (OLLAMA_HOST, ROUTELLM_CLOUD_*). */
  env: NodeJS.ProcessEnv
  token: string
  gatewayKey?: string
}

/**
 * The headless host in this process, as `serve` wires it, on a fresh data folder and a
 * loopback port. Start one per test so that no test inherits another's circuit breakers,
 * degradation, spend or telemetry rows. Each costs about a quarter second of CPU, most of it
 * loading the bundled embedding model again; still no process start.
 */
export async function startGatewayHost(o: GatewayHostOptions): Promise<GatewayHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-gateway-'))
  const services = await createServices({ host: 'headless', dataDir, keyStore: new MemoryKeyStore(), env: o.env })
  const host = createHttpHost({
    handlers: createHandlers(services),
    bus: services.bus,
    token: o.token,
    staticDir: null,
    chat: services.chat,
    ...(o.gatewayKey ? { gatewayKey: o.gatewayKey } : {}),
  })
  const port = await host.listen(0, '127.0.0.1')
  const baseURL = `http://127.0.0.1:${port}/v1`
  return {
    services,
    baseURL,
    client: new OpenAI({ apiKey: o.token, baseURL, maxRetries: 0 }),
    async close() {
      host.server.closeAllConnections()
      await new Promise<void>((resolve) => host.server.close(() => resolve()))
      await services.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
