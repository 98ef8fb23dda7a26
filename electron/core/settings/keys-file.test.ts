import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FileFormatError } from '../lib/json-errors'
import { parseKeysFile, renderKeysFile } from './keys-file'
import { parseSettings } from './settings-store'

const TEMPLATE = new URL('../../../resources/templates/routellm-keys.json', import.meta.url)
const canary = 'sk-canary-keysfile-9a8b7c6d5e'

describe('routellm-keys.json', () => {
  it('the shipped template parses: presets filled in, blank keys mean no key', () => {
    const parsed = parseKeysFile(readFileSync(TEMPLATE, 'utf8'))
    expect(parsed.endpoints.map((e) => e.id)).toEqual(['openai', 'featherless', 'openrouter', 'home-server'])
    expect(parsed.endpoints[1]).toMatchObject({
      name: 'Featherless',
      provider: 'featherless',
      baseURL: 'https://api.featherless.ai/v1',
      tier: 'cloud',
      prices: {},
      enabled: true,
    })
    expect(parsed.endpoints[3]).toMatchObject({ tier: 'local', enabled: false })
    expect(parsed.keys.size).toBe(0)
  })

  it('separates keys from the endpoints', () => {
    const parsed = parseKeysFile(
      JSON.stringify({
        version: 1,
        endpoints: [
          { id: 'openai', models: ['gpt-4o-mini'], apiKey: ` ${canary} ` },
          { id: 'openrouter', apiKey: null },
        ],
      }),
    )
    expect(parsed.keys).toEqual(new Map([['openai', canary]]))
    expect(JSON.stringify(parsed.endpoints)).not.toContain(canary)
  })

  it('malformed files: the error names the field and never quotes a key', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ version: 1, endpoints: [{ id: 'openai', apiKey: `${canary} with spaces` }] }, /endpoints\[0\]\.apiKey: the key must be printable ASCII/],
      [{ version: 1, endpoints: [{ id: 'custom-1', apiKey: canary }] }, /endpoints\[0\]\.name: .*expected string/],
      [{ version: 1, endpoints: [{ id: 'openai', baseURL: 'openai.com', apiKey: canary }] }, /endpoints\[0\]\.baseURL/],
      [{ version: 1, endpoints: [{ id: 'openai', apikey: canary }] }, /endpoints\[0\]: unknown field "apikey"/],
      [{ version: 1, endpoints: [{ id: 'openai', apiKey: canary }, { id: 'openai' }] }, /endpoints\[1\]\.id: duplicate endpoint id "openai"/],
      [{ version: 2, endpoints: [] }, /version: 2 was written by a newer RouteLLM/],
      [{ endpoints: [] }, /version: must be 1/],
      [{ version: 1, endpoints: [{ id: 'openai', [canary + 'XYZ']: 1 }] }, /unknown field "sk-c…"/],
    ]
    for (const [file, expected] of cases) {
      let error: unknown
      try {
        parseKeysFile(JSON.stringify(file), 'my-keys.json')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(FileFormatError)
      expect((error as Error).message).toMatch(/^my-keys\.json: /)
      expect((error as Error).message).toMatch(expected)
      expect((error as Error).message).not.toContain(canary)
    }
    expect(() => parseKeysFile(`{"version": 1, "endpoints": [{"id": "openai", "apiKey": "${canary}}]}`)).toThrow(
      /^routellm-keys\.json: is not valid JSON \(it ends too early\)$/,
    )
  })

  it('refuses base URLs with credentials, naming the field and never quoting the URL, as the settings file does', () => {
    const secret = 'hunter2-9f8e7d6c'
    for (const baseURL of [
      `https://me:${secret}@api.example.com/v1`,
      `https://api.example.com/v1?api_key=${secret}`,
      `https://api.example.com/v1?x=1&Token=${secret}`,
    ]) {
      const file = { version: 1, endpoints: [{ id: 'mine', name: 'Mine', provider: 'custom', baseURL, tier: 'cloud', models: ['m'] }] }
      expect(() => parseKeysFile(JSON.stringify(file)), baseURL).toThrow(/^routellm-keys\.json: endpoints\[0\]\.baseURL: the base URL must not /)
      expect(() => parseSettings(JSON.stringify({ version: 1, endpoints: file.endpoints })), baseURL).toThrow(/endpoints\[0\]\.baseURL: the base URL must not /)
      for (const parse of [() => parseKeysFile(JSON.stringify(file)), () => parseSettings(JSON.stringify({ version: 1, endpoints: file.endpoints }))]) {
        expect(() => parse()).not.toThrow(new RegExp(secret))
        expect(() => parse()).not.toThrow(/api\.example\.com/)
      }
    }
  })

  it('export writes the endpoints without keys, in a layout import and settings both accept', () => {
    const parsed = parseKeysFile(readFileSync(TEMPLATE, 'utf8'))
    const text = renderKeysFile({ version: 1, endpoints: parsed.endpoints }, new Date('2026-01-02T03:04:05Z'))
    expect(text).not.toMatch(/"apiKey"\s*:/)
    expect(JSON.parse(text).$comment).toMatch(/Exported by RouteLLM on 2026-01-02\. API keys are not exported/)
    expect(parseKeysFile(text).endpoints).toEqual(parsed.endpoints)
    expect(parseSettings(JSON.stringify({ version: 1, endpoints: parsed.endpoints })).endpoints).toEqual(parsed.endpoints)
  })
})
