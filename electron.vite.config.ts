import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'
import type { Plugin } from 'vite'

/**
 * The dev server injects inline scripts (React refresh) and <style> tags (CSS HMR) that the
 * production CSP forbids. Relax the meta tag for `electron-vite dev` only; builds keep it strict.
 */
function devOnlyRelaxedCsp(): Plugin {
  return {
    name: 'routellm-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws://localhost:*"),
  }
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'electron/main/index.ts'), cli: resolve(__dirname, 'electron/server/bin.ts') } },
    },
  },
  preload: {
    // A sandboxed preload cannot require() anything but 'electron': bundle it whole, as CJS.
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [react(), tailwindcss(), devOnlyRelaxedCsp()],
    build: {
      // electron-vite leaves every bundle unminified; the dashboard is also served over HTTP, so minify it.
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
})
