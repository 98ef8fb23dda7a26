// V8 flags for the long-running `routellm serve`, set from inside the process at start.
//
// Between two full collections V8 lets the old generation grow to up to 4× what was live
// after the last one when the program allocates fast. Under gateway load that is what
// happens: request objects still waiting on the upstream survive two scavenges, are promoted,
// and die soon after; with ~60 MiB live the heap grew to ~280 MiB before a full collection
// (RSS 454 MiB peak). A growing factor of 1.25 collects at ~75 MiB instead (peak 276 MiB in
// the same run) for no CPU per request that a gateway bench could measure (2.06 vs 2.12 ms):
// the live heap is small, so marking it more often is cheap. The factor is read at every
// full collection, so setting it at runtime takes effect without respawning Node; a heap
// cap (--max-old-space-size) would need a respawn and turns a burst into an out-of-memory crash.
import { setFlagsFromString } from 'node:v8'

export const SERVE_HEAP_GROWING_PERCENT = 25

// Flags with which a user already chose how the heap grows; theirs win.
const HEAP_CHOICES = /^--(?:heap-growing-percent|optimize-for-size|max-old-space-size|max-heap-size)\b/

/**
 * The V8 flags to set for a `routellm` run: the growing factor for `serve` only (short commands
 * never grow a heap), nothing when node's own arguments or NODE_OPTIONS already choose one.
 */
export function serveHeapFlags(argv, execArgv = [], nodeOptions = '') {
  if (argv[0] !== 'serve') return []
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((flag) => HEAP_CHOICES.test(flag.replaceAll('_', '-')))
  return chosen ? [] : [`--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`]
}

/** Sets serveHeapFlags for this process; returns the flags set. */
export function applyServeHeapFlags(argv = process.argv.slice(2)) {
  const flags = serveHeapFlags(argv, process.execArgv, process.env.NODE_OPTIONS ?? '')
  for (const flag of flags) setFlagsFromString(flag)
  return flags
}
