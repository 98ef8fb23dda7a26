import type { Handlers } from '../../shared/contract'
import type { Services } from './services'

/**
 * The contract's behaviour, written once. Both hosts serve exactly this table: the Electron
 * host over ipcMain, the headless host over HTTP. Inputs arrive already validated.
 */
export function createHandlers(services: Services): Handlers {
  return {
    'route.decide': async ({ prompt, tier }) => services.router.decide(prompt, tier ? { tier } : {}),
    'chat.start': async (input) => services.chat.start(input),
    'chat.stop': async ({ requestId }) => ({ stopped: services.chat.stop(requestId) }),
    'ollama.status': async ({ refresh }) => services.bridge.detect(refresh ?? false),
    'app.info': async () => ({ version: services.version, host: services.host, dataDir: services.dataDir }),
  }
}
