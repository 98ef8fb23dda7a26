import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { modelFolderRepo, startHubDouble, type HubDouble } from '../../../e2e/doubles/hub-double'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { defaultModelsRoot, verifyModelChecksums } from '../../core/semantic/models'
import { DEFAULT_MODEL_ID } from '../../core/semantic/settings'
import { main } from '../cli'
import { captureIo } from '../../../test/support/cli-io'

/** One CLI invocation, in-process, as `routellm <argv…>` with ROUTELLM_HOME=home. */
async function cli(argv: string[], home: string, env: NodeJS.ProcessEnv = {}) {
  const { captured, ...io } = captureIo()
  const code = await main(argv, { ...io, env: { ROUTELLM_HOME: home, ...env } })
  return { code, ...captured }
}
const home = () => mkdtempSync(join(tmpdir(), 'routellm-models-'))
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /)

async function deadAddress(): Promise<string> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return `http://127.0.0.1:${port}`
}

type ListJson = {
  policy: string | null
  selected: string
  selectedInstalled: boolean
  models: Array<{
    id: string
    source: string
    selected: boolean
    dtype: string | null
    dimensions: number | null
    problem: string | null
    calibration: { calibrated: boolean; source: string }
  }>
}

describe('routellm models', () => {
  let hub: HubDouble
  beforeAll(async () => {
    hub = await startHubDouble({ 'acme/glove-copy': modelFolderRepo(join(defaultModelsRoot(), DEFAULT_MODEL_ID)) })
  })
  afterAll(async () => {
    await hub.close()
  })

  it('are listed in the top-level help', async () => {
    const { code, out } = await cli(['--help'], home())
    expect(code).toBe(0)
    expect(out).toMatch(/\n {2}models +embedding models/)
    expect(out).toMatch(/\n {2}doctor +check the installation/)
  })

  it('list: the bundled model, selected by the default policy, with shipped (uncalibrated) thresholds', async () => {
    const h = home()
    const text = await cli(['models', 'list'], h)
    expect(text.code).toBe(0)
    expect(text.out).toMatch(/^ {3}MODEL +SOURCE +FORMAT +THRESHOLDS\n\* {2}glove-sif-100d +bundled +fp32, 100 d +never calibrated \(shipped defaults\)\n/)
    expect(text.out).toContain(`* selected by the default policy; user models: ${join(h, 'models')}`)
    const json = JSON.parse((await cli(['models', 'list', '--json'], h)).out) as ListJson
    expect(json).toMatchObject({ policy: null, selected: 'glove-sif-100d', selectedInstalled: true })
    expect(json.models).toEqual([
      expect.objectContaining({
        id: 'glove-sif-100d',
        source: 'bundled',
        selected: true,
        dtype: 'fp32',
        dimensions: 100,
        problem: null,
        calibration: expect.objectContaining({ calibrated: false, source: 'bundled-default' }),
      }),
    ])
  })

  it('fetch: downloads from a hub-layout server into the user folder; list then shows it, selectable and uncalibrated', async () => {
    const h = home()
    const got = await cli(['models', 'fetch', 'acme/glove-copy', '--remote-host', hub.url], h)
    expect(got.code).toBe(0)
    // stdout: one final line; stderr: where from, progress per file, what to do next.
    expect(got.out).toMatch(
      new RegExp(
        `^installed acme/glove-copy \\(fp32, 4 files, [\\d.]+ MB, checksums written\\) in ${join(h, 'models', 'acme', 'glove-copy')} in [\\d.]+ s\\n$`,
      ),
    )
    expect(got.err).toContain(`fetching acme/glove-copy from ${hub.url} into ${join(h, 'models')}`)
    expect(got.err).toMatch(/ {2}onnx\/model\.onnx {2}[\d.]+ MB\n/)
    expect(got.err).toMatch(/ {2}config\.json {2}[\d.]+ (B|kB)\n/)
    expect(got.err).toContain(`to use it, set "semantic": { "model": "acme/glove-copy" } in ${join(h, 'policy.json')}, then run routellm calibrate`)
    expect(hub.hits).toContain('/acme/glove-copy/resolve/main/onnx/model.onnx')
    expect((await verifyModelChecksums(join(h, 'models', 'acme', 'glove-copy'))).status).toBe('verified')

    let json = JSON.parse((await cli(['models', 'list', '--json'], h)).out) as ListJson
    expect(json.models.map((m) => [m.id, m.source, m.selected])).toEqual([
      ['acme/glove-copy', 'user', false],
      ['glove-sif-100d', 'bundled', true],
    ])

    writeFileSync(join(h, 'policy.json'), JSON.stringify({ version: 1, semantic: { model: 'acme/glove-copy' } }))
    json = JSON.parse((await cli(['models', 'list', '--json'], h)).out) as ListJson
    expect(json).toMatchObject({ policy: join(h, 'policy.json'), selected: 'acme/glove-copy', selectedInstalled: true })
    expect(json.models.find((m) => m.selected)?.calibration).toMatchObject({ calibrated: false, source: 'uncalibrated-default' })
    const text = await cli(['models', 'list'], h)
    expect(text.out).toMatch(/\* {2}acme\/glove-copy +user +fp32, 100 d +never calibrated \(generic defaults\)/)
    expect(text.out).toContain(`* selected by ${join(h, 'policy.json')} (semantic.model)`)

    // The doctor loads the fetched model offline and warns that nobody calibrated it.
    const doctor = JSON.parse((await cli(['doctor', '--json', '--ollama-host', await deadAddress()], h)).out) as {
      checks: Array<{ id: string; status: string; message: string }>
    }
    expect(doctor.checks.find((c) => c.id === 'embedding-model')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('"acme/glove-copy" (user, fp32, 100 d): checksums verified, loads offline'),
    })
    expect(doctor.checks.find((c) => c.id === 'calibration')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('never calibrated (generic defaults)'),
    })
  })

  it('list warns when the policy selects a model that is not installed', async () => {
    const h = home()
    writeFileSync(join(h, 'policy.json'), JSON.stringify({ version: 1, semantic: { model: 'Xenova/all-MiniLM-L6-v2' } }))
    const { code, out, err } = await cli(['models', 'list'], h)
    expect(code).toBe(0)
    expect(out).not.toContain('* ') // nothing installed is selected…
    expect(err).toContain('warning: the policy selects "Xenova/all-MiniLM-L6-v2", which is not installed: routellm models fetch Xenova/all-MiniLM-L6-v2')
  })

  it('fetch without a network: "no network: …", exit 1, no stack trace, nothing left behind', async () => {
    const h = home()
    const dead = await deadAddress()
    const refused = await cli(['models', 'fetch', 'Xenova/all-MiniLM-L6-v2', '--remote-host', dead], h)
    expect(refused.code).toBe(1)
    expect(refused.out).toBe('')
    expect(refused.err).toMatch(
      new RegExp(`\\nroutellm models: no network: cannot reach ${new URL(dead).host} \\(connection refused\\)\\. models fetch needs a network`),
    )
    noStack(refused.err)
    expect(existsSync(join(h, 'models', 'Xenova', 'all-MiniLM-L6-v2'))).toBe(false)
    expect(readdirSync(join(h, 'models', 'Xenova'))).toEqual([]) // no half-downloaded temp folder

    // A name that resolves nowhere (DNS fails offline, and .invalid never resolves).
    const dns = await cli(['models', 'fetch', 'Xenova/all-MiniLM-L6-v2', '--remote-host', 'http://hub.routellm.invalid'], h)
    expect(dns.code).toBe(1)
    expect(dns.err).toMatch(/routellm models: no network: cannot reach hub\.routellm\.invalid \((host not found|no answer in time)\)/)
    noStack(dns.err)
  })

  it('fetch of an id the hub does not have, or a bad command line, says so plainly', async () => {
    const h = home()
    const missing = await cli(['models', 'fetch', 'acme/nothing-here', '--remote-host', hub.url], h)
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/routellm models: .*acme\/nothing-here\/resolve\/main\/config\.json answered HTTP 404\. Nothing was changed\.\n$/)
    noStack(missing.err)
    expect((await cli(['models', 'fetch'], h)).code).toBe(2)
    expect((await cli(['models', 'fetch', '../evil', '--remote-host', hub.url], h)).err).toMatch(/not a valid model id/)
    const badHost = await cli(['models', 'fetch', 'acme/x', '--remote-host', 'ftp://example.org'], h)
    expect(badHost).toMatchObject({ code: 2, err: expect.stringContaining('--remote-host must be an http(s) URL') })
    expect((await cli(['models', 'fetch', 'acme/x', '--dtype', 'int4'], h)).code).toBe(2)
    expect((await cli(['models', 'frobnicate'], h)).code).toBe(2)
    expect((await cli(['models'], h)).code).toBe(2)
  })
})

describe('routellm doctor (CLI)', () => {
  let ollama: OllamaDouble
  beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'] })
  })
  afterAll(async () => {
    await ollama.close()
  })

  it('prints one ok/warn/fail line per check and exits 0 when nothing failed', async () => {
    const h = home()
    const env = { ROUTELLM_CLOUD_BASE_URL: 'https://api.openai.com/v1', ROUTELLM_CLOUD_API_KEY: 'sk-doctor-cli-canary' }
    const { code, out, err } = await cli(['doctor', '--ollama-host', ollama.url], h, env)
    expect(err).toBe('')
    expect(code).toBe(0)
    const lines = out.trimEnd().split('\n')
    const checks = lines.slice(0, lines.indexOf(''))
    expect(checks.map((l) => l.split(/\s{2,}/)[1])).toEqual([
      'data folder',
      'policy',
      'embedding model',
      'thresholds',
      'ollama',
      'judge',
      'keychain',
      'cloud endpoints',
      'offline mode',
      'data files',
    ])
    for (const line of checks) expect(line).toMatch(/^(ok {2}|warn|fail) {2}/)
    expect(out).toMatch(new RegExp(`ok {4}ollama {11}Ollama 0\\.12\\.6 at ${ollama.url.replace(/\./g, '\\.')}: 1 model \\(llama3\\.2:1b\\)`))
    expect(out).toContain('warn  thresholds')
    expect(out).not.toContain('sk-doctor-cli-canary')
  })

  it('exits 1 with --json when a check fails (dead Ollama port, no cloud)', async () => {
    const { code, out } = await cli(['doctor', '--json', '--ollama-host', await deadAddress()], home())
    expect(code).toBe(1)
    const report = JSON.parse(out) as { ok: boolean; summary: Record<string, number>; checks: Array<{ id: string; status: string }> }
    expect(report.ok).toBe(false)
    expect(report.checks.find((c) => c.id === 'ollama')?.status).toBe('fail')
    expect(report.summary.fail).toBeGreaterThanOrEqual(1)
    expect((await cli(['doctor', 'extra'], home())).code).toBe(2)
  })
})
