import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where the Electron binary is, or null when it was never downloaded. Reads the electron
 * package's path.txt directly: requiring 'electron' would try to download it.
 */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  const pkg = fileURLToPath(new URL('../node_modules/electron/', import.meta.url))
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const relative = readFileSync(pathFile, 'utf8').trim()
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : join(pkg, 'dist', relative)
  return existsSync(binary) ? binary : null
}

export const NO_ELECTRON_MESSAGE = [
  'RouteLLM: the Electron binary is not installed, so the desktop app cannot open.',
  '  (Installs made offline with ELECTRON_SKIP_BINARY_DOWNLOAD=1 skip it.)',
  '  Run the same dashboard in your browser instead:  npm run serve',
  '  Or, with a network, fetch Electron:              node node_modules/electron/install.js',
].join('\n')
