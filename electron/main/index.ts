import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, ipcMain, session } from 'electron'
import { errorMessage } from '../../shared/errors'
import { createHandlers } from '../core/handlers'
import { createServices, type Services } from '../core/services'
import { applyDesktopHeapFlags } from './heap'
import { bindContract, forwardEvents } from './ipc'
import { appUrlMatcher, hardenSession, hardenWebContents, secureWindowOptions } from './window'

// One RouteLLM per user: a second launch focuses the first window instead.
if (!app.requestSingleInstanceLock()) app.quit()

// Before the engine allocates anything: the heap grows as under `serve`.
applyDesktopHeapFlags(app.commandLine.getSwitchValue('js-flags'))

// electron-vite sets ELECTRON_RENDERER_URL to its dev server in `npm run dev` only.
const devServerUrl = process.env.ELECTRON_RENDERER_URL
const rendererUrl = devServerUrl ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href
const isAppUrl = appUrlMatcher(rendererUrl)
let services: Services | null = null
let window: BrowserWindow | null = null

app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl))
app.on('second-instance', () => {
  if (window?.isMinimized()) window.restore()
  window?.focus()
})

app
  .whenReady()
  .then(async () => {
    hardenSession(session.defaultSession, { cspHeader: !devServerUrl })
    services = await createServices({ host: 'electron', env: process.env, log: (line) => console.error(line) })
    bindContract(ipcMain, createHandlers(services), isAppUrl)
    window = new BrowserWindow(secureWindowOptions(join(__dirname, '../preload/index.cjs')))
    const contents = window.webContents
    forwardEvents(services.bus, (channel, payload) => {
      if (!contents.isDestroyed()) contents.send(channel, payload)
    })
    window.once('ready-to-show', () => window?.show())
    await window.loadURL(rendererUrl)
  })
  .catch((error: unknown) => {
    // Without its services or its window the app can do nothing: say why and quit.
    console.error(`RouteLLM could not start: ${errorMessage(error)}`)
    app.exit(1)
  })

app.on('window-all-closed', () => app.quit())

// Stop generations and flush stores before exit, once.
let closing = false
app.on('before-quit', (event) => {
  if (closing || !services) return
  closing = true
  event.preventDefault()
  services.chat.stopAll()
  // Quit either way: a store that failed to close has already lost what it could not write.
  services.close().then(
    () => app.quit(),
    (error: unknown) => {
      console.error(`closing the services failed: ${errorMessage(error)}`)
      app.quit()
    },
  )
})
