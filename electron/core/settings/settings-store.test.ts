import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EndpointConfig } from '../../../shared/endpoints'
import { parseJsonFile } from '../lib/json-errors'
import { SettingsStore, serializeSettings } from './settings-store'
import { endpointConfig as endpoint } from '../../../test/support/endpoint-config'

const fresh = () => mkdtempSync(join(tmpdir(), 'routellm-settings-'))

describe('SettingsStore', () => {
  it('starts empty without a file, and writes atomically with a .bak of the previous good settings', () => {
    const dir = fresh()
    const store = new SettingsStore({ dataDir: dir })
    expect(store.get()).toEqual({ version: 1, endpoints: [] })
    expect(store.problem()).toBeNull()

    store.update((s) => ({ ...s, endpoints: [endpoint('a')] }))
    expect(existsSync(store.backupPath)).toBe(false) // there was no previous file
    store.update((s) => ({ ...s, endpoints: [...s.endpoints, endpoint('b')] }))

    expect(JSON.parse(readFileSync(store.path, 'utf8')).endpoints.map((e: EndpointConfig) => e.id)).toEqual(['a', 'b'])
    expect(JSON.parse(readFileSync(store.backupPath, 'utf8')).endpoints.map((e: EndpointConfig) => e.id)).toEqual(['a'])
    expect(readdirSync(dir).sort()).toEqual(['settings.json', 'settings.json.bak']) // no temp files left
    expect(new SettingsStore({ dataDir: dir }).get().endpoints).toHaveLength(2)
  })

  it('refuses to write invalid settings, naming the field', () => {
    const store = new SettingsStore({ dataDir: fresh() })
    expect(() => store.update((s) => ({ ...s, endpoints: [endpoint('a'), endpoint('a')] }))).toThrow(
      /settings not saved: endpoints\[1\]\.id: duplicate endpoint id "a"/,
    )
    expect(() => store.update((s) => ({ ...s, endpoints: [endpoint('a', { baseURL: 'ftp://x' })] }))).toThrow(/endpoints\[0\]\.baseURL/)
    expect(existsSync(store.path)).toBe(false)
  })

  it('a corrupt file at startup: clear error naming the field, the .bak copy is used', () => {
    const dir = fresh()
    const store = new SettingsStore({ dataDir: dir })
    store.update((s) => ({ ...s, endpoints: [endpoint('good')] }))
    store.update((s) => ({ ...s, endpoints: [endpoint('good'), endpoint('newer')] }))
    const broken = JSON.parse(readFileSync(store.path, 'utf8'))
    broken.endpoints[1].baseURL = 'not a url'
    writeFileSync(store.path, JSON.stringify(broken))

    const logs: string[] = []
    const reopened = new SettingsStore({ dataDir: dir, log: (l) => logs.push(l) })
    expect(reopened.problem()).toMatch(/^settings\.json: endpoints\[1\]\.baseURL: .*Using the last good copy \(settings\.json\.bak\)/)
    expect(reopened.get().endpoints.map((e) => e.id)).toEqual(['good'])
    expect(logs.join('\n')).toMatch(/endpoints\[1\]\.baseURL/)
  })

  it('a file broken while running: the settings in force stay, and the error names the field', () => {
    const dir = fresh()
    const store = new SettingsStore({ dataDir: dir })
    store.update((s) => ({ ...s, endpoints: [endpoint('a')] }))
    writeFileSync(store.path, JSON.stringify({ version: 1, endpoints: [{ ...endpoint('a'), tier: 'moon' }] }))
    expect(store.get().endpoints[0]!.tier).toBe('cloud')
    expect(store.problem()).toMatch(/endpoints\[0\]\.tier: .*stay in force/)
  })

  it('picks up a valid edit made by another process, and tells its listeners', () => {
    const dir = fresh()
    const store = new SettingsStore({ dataDir: dir })
    store.update((s) => ({ ...s, endpoints: [endpoint('a')] }))
    let heard = 0
    store.onExternalChange(() => heard++)
    writeFileSync(store.path, serializeSettings({ version: 1, endpoints: [endpoint('a'), endpoint('cli-added')] }))
    expect(store.get().endpoints.map((e) => e.id)).toEqual(['a', 'cli-added'])
    expect(heard).toBe(1)
    expect(store.get().endpoints).toHaveLength(2)
    expect(heard).toBe(1)
  })

  it('saving over a corrupt file moves it aside instead of destroying it', () => {
    const dir = fresh()
    const store = new SettingsStore({ dataDir: dir })
    store.update((s) => ({ ...s, endpoints: [endpoint('a')] }))
    writeFileSync(store.path, '{"version": 1, "endpoints": [')
    expect(store.problem()).toMatch(/not valid JSON \(it ends too early\)|not valid JSON \(line 1/)
    store.update((s) => ({ ...s, endpoints: [...s.endpoints, endpoint('b')] }))
    expect(store.problem()).toBeNull()
    const aside = readdirSync(dir).filter((f) => f.startsWith('settings.json.corrupt-'))
    expect(aside).toHaveLength(1)
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe('{"version": 1, "endpoints": [')
    expect(new SettingsStore({ dataDir: dir }).get().endpoints.map((e) => e.id)).toEqual(['a', 'b'])
  })

  it('names a key pasted into the settings file, a newer version, and never quotes the content', () => {
    const dir = fresh()
    const canary = 'sk-canary-settings-4f1d2a'
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, endpoints: [{ ...endpoint('openai'), apiKey: canary }] }))
    const store = new SettingsStore({ dataDir: dir })
    expect(store.problem()).toMatch(/endpoints\[0\]: unknown field "apiKey"/)
    expect(store.problem()).not.toContain(canary)
    expect(store.get().endpoints).toEqual([])

    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 7, endpoints: [] }))
    expect(new SettingsStore({ dataDir: dir }).problem()).toMatch(/version: 7 was written by a newer RouteLLM/)

    writeFileSync(join(dir, 'settings.json'), `{"version": 1, "endpoints": [{"id": "x", "key": ${canary}}]}`)
    const syntax = new SettingsStore({ dataDir: dir }).problem()
    expect(syntax).toMatch(/^settings\.json: is not valid JSON \(line 1, column \d+\)/)
    expect(syntax).not.toContain(canary)
  })
})

describe('parseJsonFile', () => {
  it('says where a syntax error is, on which line, without quoting the text', () => {
    const text = '{\n  "a": 1,\n  "apiKey": sk-canary-77\n}'
    expect(() => parseJsonFile('f.json', text)).toThrow(/^f\.json: is not valid JSON \(line 3, column \d+\)$/)
  })
})

describe('jsonErrorOffset', () => {
  it('agrees with JSON.parse on what is valid, and points at the first fault', async () => {
    const { jsonErrorOffset } = await import('../lib/json-errors')
    for (const ok of ['{}', '[]', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', ' 12 ', '"s"']) expect(jsonErrorOffset(ok)).toBeNull()
    expect(jsonErrorOffset('{"a" 1}')).toBe(5)
    expect(jsonErrorOffset('{"a": [1,]}')).toBe(9)
    expect(jsonErrorOffset('{"a": 1,}')).toBe(8)
    expect(jsonErrorOffset('{"a": tru}')).toBe(9)
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9)
    expect(jsonErrorOffset('{"a": [')).toBe(7)
    expect(jsonErrorOffset("{'a': 1}")).toBe(1)
  })
})
