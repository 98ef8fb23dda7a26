import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_EVENT_PREFIX, IPC_PREFIX } from '../../shared/ipc'

type IpcResult = { ok: true; value: unknown } | { ok: false; error: { message: string; code: string; issues?: unknown } }

/** Thrown into the renderer; contextBridge keeps only the message, so the code rides in it too. */
function rejectWith(error: { message: string; code: string }): never {
  throw new Error(`[${error.code}] ${error.message}`)
}

// The renderer's only way to the engine: call a contract channel, listen to a contract
// event. Channel names are prefixed so nothing else on ipcMain can be reached; the main
// process validates every input against the contract.
contextBridge.exposeInMainWorld('routellm', {
  async call(channel: string, input: unknown): Promise<unknown> {
    const result = (await ipcRenderer.invoke(IPC_PREFIX + String(channel), input)) as IpcResult
    return result.ok ? result.value : rejectWith(result.error)
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    const channel = IPC_EVENT_PREFIX + String(event)
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => ipcRenderer.removeListener(channel, wrapped)
  },
})
