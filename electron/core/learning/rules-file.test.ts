import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_TELEMETRY_RULES } from '../../../shared/telemetry-rules'
import { bundledResource } from '../lib/bundled-resource'
import { loadTelemetryRules, parseTelemetryRulesText } from './rules-file'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('telemetry rules', () => {
  it('the bundled template is valid and holds the defaults', () => {
    const parsed = parseTelemetryRulesText(readFileSync(bundledResource('templates', 'telemetry-rules.json'), 'utf8'))
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect({ ...parsed.value, note: undefined }).toEqual({ ...DEFAULT_TELEMETRY_RULES, note: undefined })
  })

  it('a bad file names its fields; loosening a guardrail past its ceiling is refused', () => {
    const parsed = parseTelemetryRulesText(
      JSON.stringify({ version: 1, retryWindowSeconds: -1, optimize: { maxClusterStep: 9, minEvidence: 3, typo: 1 } }),
      'rules.json',
    )
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) {
      const paths = parsed.error.issues.map((i) => i.path)
      expect(paths).toEqual(expect.arrayContaining(['retryWindowSeconds', 'optimize.maxClusterStep', 'optimize.minEvidence', 'optimize.typo']))
    }
  })

  it('a missing file means the defaults; a broken one is reported and the defaults stay in force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-rules-'))
    dirs.push(dir)
    const file = join(dir, 'telemetry-rules.json')
    const logs: string[] = []
    expect(await loadTelemetryRules(file, (l) => logs.push(l))).toEqual(DEFAULT_TELEMETRY_RULES)
    expect(logs).toEqual([])
    writeFileSync(file, JSON.stringify({ version: 1, retryWindowSeconds: 30 }))
    expect((await loadTelemetryRules(file)).retryWindowSeconds).toBe(30)
    writeFileSync(file, '{ "version": 1, "windows": { "evidenceDays": "two" } }')
    expect(await loadTelemetryRules(file, (l) => logs.push(l))).toEqual(DEFAULT_TELEMETRY_RULES)
    expect(logs.join('\n')).toMatch(/windows\.evidenceDays/)
  })
})
