import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { KeychainUnavailableError } from '../keys/key-store'
import { MemoryKeyStore } from '../../../test/support/memory-key-store'
import { defaultModelsRoot } from '../semantic/models'
import { BUNDLED_MODEL_THRESHOLDS, DEFAULT_MODEL_ID } from '../semantic/settings'
import { formatDoctorReport, runDoctor, type DoctorOptions, type DoctorReport } from './index'

const CLOUD_KEY = 'sk-doctor-canary-5d1e0c7b'
const home = () => mkdtempSync(join(tmpdir(), 'routellm-doctor-'))
const byId = (r: DoctorReport, id: string) => {
  const c = r.checks.find((x) => x.id === id)
  if (!c) throw new Error(`no check ${id}`)
  return c
}
const write = (dir: string, file: string, value: unknown) => writeFileSync(join(dir, file), typeof value === 'string' ? value : JSON.stringify(value))
const calibratedOverride = {
  version: 1,
  threshold: 61,
  semanticThresholds: { [DEFAULT_MODEL_ID]: { ...BUNDLED_MODEL_THRESHOLDS, center: 0.012, calibratedAt: '2025-06-01T10:00:00.000Z', samples: 300 } },
}
/** An address nothing listens on: a port that was free a moment ago (set in beforeAll). */
let DEAD = ''
async function deadAddress(): Promise<string> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return `http://127.0.0.1:${port}`
}
beforeAll(async () => {
  DEAD = await deadAddress()
})

describe('routellm doctor checks', () => {
  let ollama: OllamaDouble
  beforeAll(async () => {
    ollama = await startOllamaDouble({
      models: [
        { name: 'llama3.2:1b', size: 1_300_000_000 },
        { name: 'qwen2.5:0.5b', size: 400_000_000 },
      ],
      version: '0.12.6',
    })
  })
  afterAll(async () => {
    await ollama.close()
  })

  const healthy = (dataDir: string, extra: Partial<DoctorOptions> = {}): DoctorOptions => ({
    env: { ROUTELLM_HOME: dataDir, ROUTELLM_CLOUD_BASE_URL: 'https://api.openai.com/v1', ROUTELLM_CLOUD_API_KEY: CLOUD_KEY },
    ollamaHosts: [ollama.url],
    // The double answers at once; a loaded machine must not make it look down.
    probeTimeoutMs: 10_000,
    keyStore: new MemoryKeyStore(),
    ...extra,
  })

  it('every check is ok on a working setup: calibrated model, Ollama with the judge model, a cloud endpoint with a key', async () => {
    const dir = home()
    write(dir, 'policy.json', { version: 1, judge: { enabled: true, model: 'qwen2.5:0.5b' } })
    write(dir, 'threshold-override.json', calibratedOverride)
    const report = await runDoctor(healthy(dir))
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['data-dir', 'ok'],
      ['policy', 'ok'],
      ['embedding-model', 'ok'],
      ['calibration', 'ok'],
      ['ollama', 'ok'],
      ['judge', 'ok'],
      ['keychain', 'ok'],
      ['cloud', 'ok'],
      ['offline', 'ok'],
      ['data-files', 'ok'],
    ])
    expect(report.ok).toBe(true)
    expect(byId(report, 'data-dir').message).toContain(`${dir} (ROUTELLM_HOME) is writable`)
    expect(byId(report, 'policy').message).toMatch(new RegExp(`${join(dir, 'policy.json')}, with .*threshold-override.json \\(threshold 61, semantic\\)`))
    expect(byId(report, 'embedding-model').message).toMatch(/"glove-sif-100d" \(bundled, fp32, 100 d\): checksums verified, loads offline in \d+ ms/)
    expect(byId(report, 'calibration').message).toBe('"glove-sif-100d": calibrated 2025-06-01 on 300 prompts')
    expect(byId(report, 'ollama').message).toBe(`Ollama 0.12.6 at ${ollama.url}: 2 models (llama3.2:1b, qwen2.5:0.5b)`)
    expect(byId(report, 'judge').message).toBe(`"qwen2.5:0.5b" at ${ollama.url}`)
    expect(byId(report, 'cloud').message).toBe('cloud (environment): key set (env)')
    expect(byId(report, 'offline').message).toMatch(/^off/)
    const text = formatDoctorReport(report)
    expect(text.split('\n')[0]).toMatch(/^ok {4}data folder {6}\//)
    expect(text.trimEnd().endsWith('all checks passed')).toBe(true)
    // Never a key, in the text or the JSON.
    expect(text + JSON.stringify(report)).not.toContain(CLOUD_KEY)
  })

  it('warns (exit 0) on what routes but deserves attention: never calibrated, judge model missing, Ollama down with a cloud, offline on', async () => {
    const dir = home()
    write(dir, 'policy.json', { version: 1, judge: { enabled: true, model: 'phi3:mini' } })
    const report = await runDoctor(healthy(dir, { env: { ...healthy(dir).env, ROUTELLM_OFFLINE: '1' } }))
    expect(byId(report, 'calibration')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/"glove-sif-100d": never calibrated \(shipped defaults\); run routellm calibrate --data/),
    })
    expect(byId(report, 'judge')).toMatchObject({ status: 'warn', message: expect.stringContaining('"phi3:mini" is not installed in Ollama') })
    expect(byId(report, 'offline')).toMatchObject({ status: 'warn', message: expect.stringContaining('ROUTELLM_OFFLINE') })
    expect(report.ok).toBe(true)

    const down = await runDoctor(healthy(home(), { ollamaHosts: [DEAD] }))
    expect(byId(down, 'ollama')).toMatchObject({
      status: 'warn',
      message: `not detected; tried ${DEAD} (connection refused). Start it with \`ollama serve\` or set OLLAMA_HOST; until then every prompt goes to the cloud`,
    })
    expect(byId(down, 'ollama').detail).toEqual({ tried: [{ host: DEAD, ok: false, error: 'connection refused' }] })
    expect(byId(down, 'judge')).toMatchObject({ status: 'ok', message: 'off in the policy (judge.enabled is false)' })
    expect(down.ok).toBe(true)
  })

  it('fails when nothing can answer: Ollama unreachable and no cloud endpoint', async () => {
    const report = await runDoctor({ env: { ROUTELLM_HOME: home() }, ollamaHosts: [DEAD], keyStore: new MemoryKeyStore() })
    expect(byId(report, 'ollama')).toMatchObject({ status: 'fail', message: expect.stringContaining('no cloud endpoint is configured, so nothing can answer') })
    expect(byId(report, 'cloud')).toMatchObject({ status: 'warn', message: expect.stringMatching(/^none configured: every prompt stays local/) })
    expect(report.ok).toBe(false)
    expect(formatDoctorReport(report)).toMatch(/\n\n1 failed, 2 warnings\n$/)
  })

  it('fails on a data folder that cannot be written', async () => {
    const parent = home()
    write(parent, 'not-a-folder', 'x')
    const dir = join(parent, 'not-a-folder', 'RouteLLM')
    const report = await runDoctor(healthy(dir))
    expect(byId(report, 'data-dir')).toMatchObject({ status: 'fail', message: expect.stringMatching(/is not writable \((ENOTDIR|EEXIST)\).*ROUTELLM_HOME/) })
    expect(report.ok).toBe(false)
  })

  it('fails on a policy or override that the hosts would reject, naming the field', async () => {
    const dir = home()
    write(dir, 'policy.json', { version: 1, weights: { rules: 'heavy' } })
    write(dir, 'threshold-override.json', '{ not json')
    const report = await runDoctor(healthy(dir))
    const policy = byId(report, 'policy')
    expect(policy.status).toBe('fail')
    expect(policy.message).toContain('weights.rules')
    expect(policy.message).toContain('threshold-override.json: not valid JSON')
    expect(report.ok).toBe(false)
  })

  it('warns about a damaged policy that the hosts replace by its last good copy, and routes with that copy', async () => {
    const dir = home()
    write(dir, 'policy.json.bak', { version: 1, threshold: 57 })
    write(dir, 'policy.json', '{"version": 1, "threshold": ')
    const report = await runDoctor(healthy(dir))
    const policy = byId(report, 'policy')
    expect(policy.status).toBe('warn')
    expect(policy.message).toMatch(
      /policy\.json: not valid JSON .*the hosts use the last good copy \(policy\.json\.bak\) until it is fixed; routing threshold 57$/,
    )
  })

  it('warns about a damaged self-check results file, naming it and what applies instead', async () => {
    const dir = home()
    write(dir, 'probe-results.json', '{"version": 1, "models": [')
    const report = await runDoctor(healthy(dir))
    const check = byId(report, 'data-files')
    expect(check).toMatchObject({ status: 'warn', message: expect.stringMatching(/^probe-results\.json: .*no self-check results apply/) })
    expect(check.detail).toEqual({ problems: [expect.objectContaining({ file: 'probe-results.json', failClosed: false })] })
  })

  it('fails when the selected embedding model is missing or corrupt, warns when it has no checksums', async () => {
    const missing = home()
    write(missing, 'policy.json', { version: 1, semantic: { model: 'acme/not-here' } })
    const r1 = await runDoctor(healthy(missing))
    expect(byId(r1, 'embedding-model')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/"acme\/not-here" is not installed .*routellm models fetch acme\/not-here/),
    })
    // A model nobody calibrated gets generic thresholds: warned about.
    expect(byId(r1, 'calibration')).toMatchObject({ status: 'warn', message: expect.stringContaining('never calibrated (generic defaults)') })

    const corrupt = home()
    const dir = join(corrupt, 'models', 'acme', 'glove-copy')
    cpSync(join(defaultModelsRoot(), DEFAULT_MODEL_ID), dir, { recursive: true })
    appendFileSync(join(dir, 'onnx', 'model.onnx'), Buffer.from([0]))
    write(corrupt, 'policy.json', { version: 1, semantic: { model: 'acme/glove-copy' } })
    const r2 = await runDoctor(healthy(corrupt))
    expect(byId(r2, 'embedding-model')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('"acme/glove-copy" is corrupt: onnx/model.onnx do not match SHA256SUMS'),
    })

    const unsummed = home()
    const dir3 = join(unsummed, 'models', 'acme', 'glove-copy')
    cpSync(join(defaultModelsRoot(), DEFAULT_MODEL_ID), dir3, { recursive: true })
    rmSync(join(dir3, 'SHA256SUMS'))
    write(unsummed, 'policy.json', { version: 1, semantic: { model: 'acme/glove-copy' } })
    const r3 = await runDoctor(healthy(unsummed))
    expect(byId(r3, 'embedding-model')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/"acme\/glove-copy" \(user, fp32, 100 d\): no SHA256SUMS .* loads offline/),
    })
  })

  it('an unreachable keychain fails when a configured cloud endpoint needs it, and only warns otherwise', async () => {
    const unreachable = () => {
      const store = new MemoryKeyStore()
      store.failWith = new KeychainUnavailableError('list keys: Cannot autolaunch D-Bus without X11 $DISPLAY', 'linux')
      return store
    }
    const plain = await runDoctor(healthy(home(), { keyStore: unreachable() }))
    expect(byId(plain, 'keychain')).toMatchObject({ status: 'warn', message: expect.stringContaining('The OS keychain is not available') })

    const dir = home()
    write(dir, 'settings.json', {
      version: 1,
      endpoints: [{ id: 'openai', name: 'OpenAI', provider: 'openai', baseURL: 'https://api.openai.com/v1', tier: 'cloud', models: ['gpt-4o-mini'] }],
    })
    const needed = await runDoctor(healthy(dir, { keyStore: unreachable() }))
    expect(byId(needed, 'keychain')).toMatchObject({ status: 'fail', message: expect.stringContaining('(needed for: openai)') })
    expect(byId(needed, 'cloud').message).toContain('openai: key unknown (keychain unreachable)')
    expect(needed.ok).toBe(false)

    // Reachable: the key count, never a key.
    const store = new MemoryKeyStore()
    await store.set('openai', CLOUD_KEY)
    const fine = await runDoctor(healthy(dir, { keyStore: store }))
    expect(byId(fine, 'keychain')).toMatchObject({ status: 'ok', message: 'reachable; 1 key stored for RouteLLM (not shown)' })
    expect(byId(fine, 'cloud')).toMatchObject({ status: 'ok', message: 'openai: key set (keychain), cloud (environment): key set (env)' })
    expect(JSON.stringify(fine)).not.toContain(CLOUD_KEY)
  })

  it('warns about a cloud endpoint without a key', async () => {
    const dir = home()
    write(dir, 'settings.json', {
      version: 1,
      endpoints: [{ id: 'openrouter', name: 'OpenRouter', provider: 'openrouter', baseURL: 'https://openrouter.ai/api/v1', tier: 'cloud', models: ['x/y'] }],
    })
    const report = await runDoctor({ env: { ROUTELLM_HOME: dir }, ollamaHosts: [ollama.url], keyStore: new MemoryKeyStore() })
    expect(byId(report, 'cloud')).toMatchObject({ status: 'warn', message: 'openrouter: no key; set a key with routellm keys set openrouter' })
  })
})

describe('routellm doctor against the real OS keychain', () => {
  it.runIf(Boolean(process.env.DBUS_SESSION_BUS_ADDRESS))('reaches the Secret Service keyring of this D-Bus session', async () => {
    const dir = home()
    mkdirSync(dir, { recursive: true })
    const report = await runDoctor({ env: { ROUTELLM_HOME: dir }, ollamaHosts: [DEAD] })
    expect(byId(report, 'keychain')).toMatchObject({ status: 'ok', message: expect.stringMatching(/^reachable; \d+ keys? stored for RouteLLM \(not shown\)$/) })
  })
})
