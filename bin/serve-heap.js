// V8 flags for the long-running `routellm serve`, set from inside the process at start.
//
// Between two full collections V8 lets the old generation grow to up to 4× what was live
// after the last one when the program allocates fast. Under gateway load that is what
// happens: request objects still waiting on the upstream survive two scavenges, are promoted,
// and die soon after; with ~60 MiB live the heap grew to ~280 MiB before a full collection.
// A growing factor of 2 caps that at ~120 MiB: measured with the gateway's load (12,000
// requests after 1,600 of warm-up), RSS peak 266–273 MiB instead of 397–407, idle 229–238
// instead of 254–261, for 13 full collections instead of 5 and no CPU per request beyond the
// run-to-run spread (2.16–2.33 vs 1.99–2.37 ms). Smaller factors save little more memory and
// cost CPU (1.25: peak 218–226 MiB, 46 full collections, 2.58–2.64 ms per request), as each
// full collection marks the whole live heap on V8's worker threads. The factor is read at
// every full collection, so setting it at runtime takes effect without respawning Node; a
// heap cap (--max-old-space-size) would need a respawn and turns a burst into a crash.
import { setFlagsFromString } from 'node:v8'

export const SERVE_HEAP_GROWING_PERCENT = 100

// Flags with which a user already chose how the heap grows; theirs win.
const HEAP_CHOICES = /^--(?:heap-growing-percent|optimize-for-size|max-old-space-size|max-heap-size)\b/

/** The growing factor, unless one of `userFlags` (V8 or node flags, as typed) already chose how the heap grows. */
function heapFlagsUnlessChosen(userFlags) {
  const chosen = userFlags.some((flag) => HEAP_CHOICES.test(flag.replaceAll('_', '-')))
  return chosen ? [] : [`--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`]
}

const words = (text) => text.split(/\s+/).filter(Boolean)

/**
 * The V8 flags to set for a `routellm` run: the growing factor for `serve` only (short commands
 * never grow a heap), nothing when node's own arguments or NODE_OPTIONS already choose one.
 */
export function serveHeapFlags(argv, execArgv = [], nodeOptions = '') {
  if (argv[0] !== 'serve') return []
  return heapFlagsUnlessChosen([...execArgv, ...words(nodeOptions)])
}

/** Sets serveHeapFlags for this process; returns the flags set. */
export function applyServeHeapFlags(argv = process.argv.slice(2)) {
  const flags = serveHeapFlags(argv, process.execArgv, process.env.NODE_OPTIONS ?? '')
  for (const flag of flags) setFlagsFromString(flag)
  return flags
}

/**
 * The V8 flags for the desktop app's main process, which hosts the same engine and chat flow
 * as `serve` for as long as the app runs: the same growing factor, unless node's arguments,
 * NODE_OPTIONS or Electron's --js-flags (`jsFlags`, the switch's value) chose one.
 */
export function desktopHeapFlags(execArgv = [], nodeOptions = '', jsFlags = '') {
  return heapFlagsUnlessChosen([...execArgv, ...words(nodeOptions), ...words(jsFlags)])
}
