import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SERVE_HEAP_GROWING_PERCENT } from '../../bin/serve-heap.js'
import { applyDesktopHeapFlags } from './heap'

// No Electron binary here: the main process's choice is checked under Node, with a stand-in for
// v8.setFlagsFromString, and the --js-flags value the app would read from app.commandLine.
describe('applyDesktopHeapFlags', () => {
  const execArgv = process.execArgv
  beforeEach(() => {
    process.execArgv = [] // whatever flags this test runner was started with
  })
  afterEach(() => {
    process.execArgv = execArgv
    vi.unstubAllEnvs()
  })

  it('sets the growing factor of serve in the main process', () => {
    vi.stubEnv('NODE_OPTIONS', '')
    const set: string[] = []
    expect(applyDesktopHeapFlags('', (f) => set.push(f))).toEqual([`--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`])
    expect(set).toEqual([`--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`])
  })

  it('sets nothing when Electron was started with a heap choice in --js-flags or NODE_OPTIONS', () => {
    const set: string[] = []
    vi.stubEnv('NODE_OPTIONS', '')
    expect(applyDesktopHeapFlags('--max-old-space-size=2048', (f) => set.push(f))).toEqual([])
    vi.stubEnv('NODE_OPTIONS', '--heap-growing-percent=80')
    expect(applyDesktopHeapFlags('', (f) => set.push(f))).toEqual([])
    expect(set).toEqual([])
  })
})
