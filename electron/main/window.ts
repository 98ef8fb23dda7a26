import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron'

/**
 * The dashboard window's web preferences: the renderer gets no Node, runs sandboxed and
 * isolated from the preload, and can reach the engine only through the contract bridge.
 */
export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'RouteLLM',
    backgroundColor: '#ffffff',
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  }
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/**
 * Lock a WebContents to the dashboard: no navigation away, no new windows, no webviews.
 * Links to the web are not opened here at all; the dashboard has none that need it.
 */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, isAppUrl: (url: string) => boolean): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/**
 * Deny every permission (camera, notifications, geolocation...) and add the CSP header.
 * The dev server needs inline scripts for hot reload, so development relies on the
 * (relaxed) meta tag alone.
 */
export function hardenSession(session: Pick<Session, 'setPermissionRequestHandler' | 'webRequest'>, options: { cspHeader: boolean }): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  if (!options.cspHeader) return
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
}

/** True for the dashboard's own pages: the packaged file or the dev server's origin. */
export function appUrlMatcher(rendererUrl: string): (url: string) => boolean {
  const base = new URL(rendererUrl)
  return (url: string) => {
    try {
      const u = new URL(url)
      return base.protocol === 'file:' ? u.protocol === 'file:' && u.pathname === base.pathname : u.origin === base.origin
    } catch {
      return false
    }
  }
}
