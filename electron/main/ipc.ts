import type { Handlers } from '../../shared/contract'
import { channels } from '../../shared/contract'
import { ContractError } from '../../shared/client'
import { IPC_EVENT_PREFIX, IPC_PREFIX } from '../../shared/ipc'
import { dispatch, toErrorEnvelope, type ErrorEnvelope } from '../core/lib/contract-dispatch'
import type { EventBus } from '../core/lib/event-bus'

/** The part of Electron's ipcMain this host uses (a stand-in replaces it in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/** What crosses IPC: errors travel as data because Electron keeps only an Error's message. */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: ErrorEnvelope }

/**
 * Bind every channel of the contract to ipcMain.handle. Each call is answered only for a
 * frame showing our own dashboard, and its input is validated by the contract before the
 * handler runs. Returns a function that unbinds them (shutdown, tests).
 */
export function bindContract(ipcMain: IpcMainLike, handlers: Handlers, isTrustedUrl: (url: string) => boolean): () => void {
  for (const channel of channels) {
    ipcMain.handle(IPC_PREFIX + channel, async (event, raw): Promise<IpcResult> => {
      try {
        const url = event.senderFrame?.url
        if (!url || !isTrustedUrl(url)) throw new ContractError('IPC from an untrusted frame', 'forbidden')
        return { ok: true, value: await dispatch(handlers, channel, raw) }
      } catch (error) {
        return { ok: false, error: toErrorEnvelope(error) }
      }
    })
  }
  return () => channels.forEach((channel) => ipcMain.removeHandler(IPC_PREFIX + channel))
}

/** Push engine events to the window; `send` is webContents.send of the dashboard window. */
export function forwardEvents(bus: EventBus, send: (channel: string, payload: unknown) => void): () => void {
  return bus.subscribe((event, payload) => send(IPC_EVENT_PREFIX + event, payload))
}
