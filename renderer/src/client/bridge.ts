/**
 * The object the Electron preload exposes with contextBridge.exposeInMainWorld('routellm', …).
 * It is untyped on purpose: everything that crosses it is validated against the contract's
 * zod schemas in ipc.ts before the dashboard uses it.
 */
export interface RouteLlmBridge {
  call(channel: string, input: unknown): Promise<unknown>
  on(event: string, listener: (payload: unknown) => void): () => void
}

declare global {
  interface Window {
    /** Present only inside the Electron host (set by the preload). */
    routellm?: RouteLlmBridge
  }
}

export function isBridge(value: unknown): value is RouteLlmBridge {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { call?: unknown }).call === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  )
}
