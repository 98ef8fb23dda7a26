import { homedir } from 'node:os'
import { join } from 'node:path'

export const APP_NAME = 'RouteLLM'

/**
 * The one folder both hosts keep their data in: ROUTELLM_HOME when set, else the
 * platform's app-data folder (the same place Electron's app.getPath('userData') points
 * to for an app named RouteLLM, so the desktop and headless hosts share settings).
 */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.ROUTELLM_HOME) return env.ROUTELLM_HOME
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME)
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME)
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME)
}
