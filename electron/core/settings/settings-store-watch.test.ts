import type * as nodeFs from 'node:fs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SettingsStore, serializeSettings } from './settings-store'
import { endpointConfig as endpoint } from '../../../test/support/endpoint-config'

// Counts the store's file checks: a watched store must not stat on every read.
const stats = vi.hoisted(() => ({ count: 0 }))
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof nodeFs>()
  return {
    ...fs,
    statSync: (...args: Parameters<typeof fs.statSync>) => {
      stats.count++
      return fs.statSync(...args)
    },
  }
})

describe('settings store watching its folder', () => {
  const stores: SettingsStore[] = []
  const dirs: string[] = []
  afterEach(() => {
    for (const s of stores.splice(0)) s.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const open = (watch: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-settings-watch-'))
    dirs.push(dir)
    const store = new SettingsStore({ dataDir: dir, watch })
    stores.push(store)
    return store
  }

  it('reads from memory: no file check per read while nothing changes', () => {
    const watched = open(true)
    watched.update((s) => ({ ...s, endpoints: [endpoint('a')] }))
    const before = stats.count
    for (let i = 0; i < 100; i++) expect(watched.get().endpoints).toHaveLength(1)
    // The watch may report our own write once; reads after that cost nothing.
    expect(stats.count - before).toBeLessThanOrEqual(1)

    const unwatched = open(false)
    const start = stats.count
    for (let i = 0; i < 100; i++) unwatched.get()
    expect(stats.count - start).toBe(100)
  })

  it('still picks up an edit made by another process, and tells its listeners once', async () => {
    const store = open(true)
    store.update((s) => ({ ...s, endpoints: [endpoint('a')] }))
    let heard = 0
    store.onExternalChange(() => heard++)
    writeFileSync(store.path, serializeSettings({ version: 1, endpoints: [endpoint('a'), endpoint('cli-added')] }))
    await vi.waitFor(() => expect(store.get().endpoints.map((e) => e.id)).toEqual(['a', 'cli-added']), { timeout: 5000, interval: 20 })
    expect(heard).toBe(1)
  })
})
