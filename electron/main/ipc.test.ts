import { describe, expect, it, vi } from 'vitest'
import type { Handlers } from '../../shared/contract'
import { IPC_EVENT_PREFIX, IPC_PREFIX } from '../../shared/ipc'
import { EventBus } from '../core/lib/event-bus'
import { bindContract, forwardEvents, type IpcMainLike, type IpcResult } from './ipc'
import { appUrlMatcher, CONTENT_SECURITY_POLICY, hardenSession, hardenWebContents, secureWindowOptions } from './window'

/** A stand-in for Electron's ipcMain: records handlers so tests can invoke them like a renderer. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown>()
  const ipc: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, listener)
    },
    removeHandler: (channel) => handlers.delete(channel),
  }
  const invoke = (channel: string, url: string | null, input: unknown) =>
    handlers.get(IPC_PREFIX + channel)!({ senderFrame: url === null ? null : { url } }, input) as Promise<IpcResult>
  return { ipc, handlers, invoke }
}

const APP = 'file:///opt/RouteLLM/resources/app/out/renderer/index.html'
const decision = { id: 'd', tier: 'local', model: 'm', endpoint: 'ollama', complexity: 3, threshold: 65, explanation: 'e', pinned: null, trace: [], ms: 0 }

describe('Electron IPC binding', () => {
  const decide = vi.fn(async () => decision)
  const handlers = { 'route.decide': decide, 'chat.stop': async () => ({ stopped: false }) } as unknown as Handlers

  it('binds every contract channel under the routellm: prefix, and unbinds them', () => {
    const { ipc, handlers: bound } = fakeIpcMain()
    const unbind = bindContract(ipc, handlers, appUrlMatcher(APP))
    expect([...bound.keys()]).toContain('routellm:route.decide')
    expect([...bound.keys()].every((c) => c.startsWith(IPC_PREFIX))).toBe(true)
    unbind()
    expect(bound.size).toBe(0)
  })

  it('answers the dashboard frame with the handler output', async () => {
    const { ipc, invoke } = fakeIpcMain()
    bindContract(ipc, handlers, appUrlMatcher(APP))
    await expect(invoke('route.decide', APP, { prompt: 'hi' })).resolves.toEqual({ ok: true, value: decision })
    expect(decide).toHaveBeenLastCalledWith({ prompt: 'hi' })
  })

  it('validates input before the handler runs and returns the schema error as data', async () => {
    decide.mockClear()
    const { ipc, invoke } = fakeIpcMain()
    bindContract(ipc, handlers, appUrlMatcher(APP))
    const result = await invoke('route.decide', APP, { prompt: '' })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(decide).not.toHaveBeenCalled()
  })

  it('refuses calls from a frame that is not the dashboard (or a destroyed frame)', async () => {
    decide.mockClear()
    const { ipc, invoke } = fakeIpcMain()
    bindContract(ipc, handlers, appUrlMatcher(APP))
    await expect(invoke('route.decide', 'https://evil.example/', { prompt: 'hi' })).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } })
    await expect(invoke('route.decide', 'file:///tmp/other.html', { prompt: 'hi' })).resolves.toMatchObject({ ok: false })
    await expect(invoke('route.decide', null, { prompt: 'hi' })).resolves.toMatchObject({ ok: false })
    expect(decide).not.toHaveBeenCalled()
  })

  it('forwards engine events to the window under the event prefix', () => {
    const bus = new EventBus()
    const sent: [string, unknown][] = []
    const stop = forwardEvents(bus, (channel, payload) => sent.push([channel, payload]))
    bus.emit('chat.token', { requestId: 'r', text: 'x' })
    stop()
    bus.emit('chat.token', { requestId: 'r', text: 'y' })
    expect(sent).toEqual([[`${IPC_EVENT_PREFIX}chat.token`, { requestId: 'r', text: 'x' }]])
  })
})

describe('Electron window hardening', () => {
  it('isolates and sandboxes the renderer with no Node integration', () => {
    const prefs = secureWindowOptions('/app/preload.cjs').webPreferences!
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })
  })

  it('blocks navigation away from the dashboard, new windows and webviews', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>()
    let openHandler: (() => { action: string }) | undefined
    const contents = {
      on: (name: string, fn: (event: { preventDefault(): void }, url?: string) => void) => listeners.set(name, fn),
      setWindowOpenHandler: (fn: () => { action: string }) => (openHandler = fn),
    }
    hardenWebContents(contents as never, appUrlMatcher(APP))
    const attempt = (name: string, url?: string) => {
      const event = {
        prevented: false,
        preventDefault() {
          this.prevented = true
        },
      }
      listeners.get(name)!(event, url)
      return event.prevented
    }
    expect(attempt('will-navigate', 'https://evil.example/')).toBe(true)
    expect(attempt('will-redirect', 'http://127.0.0.1:1/')).toBe(true)
    expect(attempt('will-navigate', APP)).toBe(false)
    expect(attempt('will-attach-webview')).toBe(true)
    expect(openHandler!()).toEqual({ action: 'deny' })
  })

  it('treats the dev server origin as the app only in development', () => {
    const dev = appUrlMatcher('http://localhost:5173/')
    expect(dev('http://localhost:5173/index.html')).toBe(true)
    expect(dev('http://localhost:5174/')).toBe(false)
  })

  it('denies every permission request and sends the strict CSP with every response', () => {
    let permission: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined
    let headers: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | undefined
    const session = {
      setPermissionRequestHandler: (fn: typeof permission) => (permission = fn),
      webRequest: { onHeadersReceived: (fn: typeof headers) => (headers = fn) },
    }
    hardenSession(session as never, { cspHeader: true })
    let granted: boolean | undefined
    permission!({}, 'media', (ok) => (granted = ok))
    expect(granted).toBe(false)
    let sent: Record<string, string[]> = {}
    headers!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (sent = r.responseHeaders))
    expect(sent['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY])
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe')
  })
})
