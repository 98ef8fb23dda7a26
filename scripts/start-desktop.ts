// `npm start`: open the desktop app on a fresh production build, or explain plainly why
// it cannot open where the Electron binary was never downloaded.
import { spawnSync } from 'node:child_process'
import { findElectronBinary, NO_ELECTRON_MESSAGE } from './electron-binary'

if (!findElectronBinary()) {
  console.error(NO_ELECTRON_MESSAGE)
  process.exit(1)
}
process.exit(spawnSync('npx', ['electron-vite', 'preview'], { stdio: 'inherit' }).status ?? 1)
