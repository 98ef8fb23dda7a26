import { isBridge } from './bridge'
import { createHttpClient } from './http-transport'
import { createIpcClient } from './ipc-transport'
import { bootstrapToken, safeSessionStorage } from './token'
import type { DashboardClient } from './types'

export type { ConnectionState, DashboardClient, Transport } from './types'
export { describeError, type ErrorReport } from './errors'

/**
 * Pick the transport: the preload bridge inside Electron, else HTTP + SSE against the
 * headless host that served this page (token from the URL fragment or this tab's storage).
 */
export function createDashboardClient(win: Window): { client: DashboardClient; hasToken: boolean } {
  if (isBridge(win.routellm)) return { client: createIpcClient(win.routellm), hasToken: true }
  const token = bootstrapToken({ location: win.location, history: win.history, storage: safeSessionStorage(win) })
  return { client: createHttpClient({ token }), hasToken: token !== null }
}
