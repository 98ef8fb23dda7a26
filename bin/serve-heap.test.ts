import { describe, expect, it } from 'vitest'
import { desktopHeapFlags, SERVE_HEAP_GROWING_PERCENT, serveHeapFlags } from './serve-heap.js'

describe('serveHeapFlags', () => {
  const growing = `--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`

  it('sets a smaller heap growing factor for serve', () => {
    expect(serveHeapFlags(['serve', '--port', '0'])).toEqual([growing])
  })

  it('leaves every other command as node starts it', () => {
    for (const argv of [['route', 'serve'], ['doctor'], [], ['--help']]) expect(serveHeapFlags(argv)).toEqual([])
  })

  it("keeps a heap choice made in node's arguments or NODE_OPTIONS", () => {
    expect(serveHeapFlags(['serve'], ['--max-old-space-size=512'])).toEqual([])
    expect(serveHeapFlags(['serve'], ['--heap_growing_percent=80'])).toEqual([])
    expect(serveHeapFlags(['serve'], [], '--enable-source-maps --optimize-for-size')).toEqual([])
    expect(serveHeapFlags(['serve'], ['--enable-source-maps'], '--trace-warnings')).toEqual([growing])
  })
})

describe('desktopHeapFlags', () => {
  const growing = `--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`

  it('gives the desktop main process the growing factor serve runs with', () => {
    expect(desktopHeapFlags()).toEqual([growing])
    expect(desktopHeapFlags(['--enable-source-maps'], '--trace-warnings', '--expose-gc')).toEqual([growing])
  })

  it("keeps a heap choice made in node's arguments, NODE_OPTIONS or Electron's --js-flags", () => {
    expect(desktopHeapFlags(['--max-old-space-size=512'])).toEqual([])
    expect(desktopHeapFlags([], '--optimize-for-size')).toEqual([])
    expect(desktopHeapFlags([], '', '--expose-gc --max_old_space_size=4096')).toEqual([])
    expect(desktopHeapFlags([], '', '--heap-growing-percent=50')).toEqual([])
  })
})
