/** The heap growing factor `routellm serve` runs with, in percent above 1 (V8's --heap-growing-percent). */
export declare const SERVE_HEAP_GROWING_PERCENT: number
/** The V8 flags for a `routellm` run with these CLI arguments, node arguments and NODE_OPTIONS. */
export declare function serveHeapFlags(argv: readonly string[], execArgv?: readonly string[], nodeOptions?: string): string[]
/** Sets serveHeapFlags for this process; returns the flags set. */
export declare function applyServeHeapFlags(argv?: readonly string[]): string[]
/** The V8 flags for the desktop app's main process, given node's arguments, NODE_OPTIONS and Electron's --js-flags value. */
export declare function desktopHeapFlags(execArgv?: readonly string[], nodeOptions?: string, jsFlags?: string): string[]
