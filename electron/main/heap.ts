import { setFlagsFromString } from 'node:v8'
import { desktopHeapFlags } from '../../bin/serve-heap.js'

/**
 * Gives this main process, which hosts the engine, the heap growing factor `serve` runs with
 * (bin/serve-heap.js says why). Set with v8.setFlagsFromString, as `serve` does, not with
 * app.commandLine.appendSwitch('js-flags', …): Electron's docs say --js-flags reaches the main
 * process only when passed at Electron's start, so a switch appended from the main script
 * reaches only the processes started after it (the renderers). V8 reads the factor at every
 * full collection, so setting it at runtime takes effect. `jsFlags` is the --js-flags value
 * Electron was started with: a heap choice there (or in node's arguments or NODE_OPTIONS) wins.
 */
export function applyDesktopHeapFlags(jsFlags: string, setFlags: (flag: string) => void = setFlagsFromString): string[] {
  const flags = desktopHeapFlags(process.execArgv, process.env.NODE_OPTIONS ?? '', jsFlags)
  for (const flag of flags) setFlags(flag)
  return flags
}
