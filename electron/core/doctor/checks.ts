/**
 * The doctor's checks, one small function each. A check reads facts (facts.ts), never
 * changes anything a user keeps (the data-folder probe writes and removes one file of its
 * own), and answers with ok / warn / fail and one line a person can act on.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { calibrationOf, describeCalibration, semanticSettingsOf } from '../semantic/active'
import { createEmbedder } from '../semantic/embedder'
import { defaultModelsRoot, describeModel, userModelsDirOf, verifyModelChecksums } from '../semantic/models'
import type { DoctorFacts } from './facts'
import { fail, ok, warn, type Verdict } from './types'
import { errorMessage } from '../../../shared/errors'

export interface Check {
  id: string
  label: string
  run(facts: DoctorFacts): Promise<Verdict>
}

const list = (items: readonly string[], max = 8) => (items.length > max ? `${items.slice(0, max).join(', ')}, …` : items.join(', '))
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** The data folder exists (or can be made) and a file can be written and removed in it. */
export async function checkDataDir(f: DoctorFacts): Promise<Verdict> {
  const from = f.options.dataDir ? 'given' : f.env.ROUTELLM_HOME ? 'ROUTELLM_HOME' : 'platform default'
  const probe = join(f.dataDir, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    await mkdir(f.dataDir, { recursive: true })
    await writeFile(probe, 'doctor\n')
    await rm(probe, { force: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? errorMessage(error)
    return fail(`${f.dataDir} (${from}) is not writable (${code}): settings, calibration and models cannot be saved; set ROUTELLM_HOME to a folder you own`, {
      dataDir: f.dataDir,
      error: code,
    })
  }
  return ok(`${f.dataDir} (${from}) is writable`, { dataDir: f.dataDir })
}

/**
 * policy.json and threshold-override.json parse; which file is in force. A rejected file the
 * hosts replace by its last good copy warns; one with no good copy (the defaults, or no
 * override, route instead of what the user wrote) fails.
 */
export async function checkPolicy(f: DoctorFacts): Promise<Verdict> {
  const p = await f.policy()
  const detail = { file: p.fileExists ? p.file : null, override: p.override ? p.overrideFile : null, threshold: p.policy.threshold }
  if (p.problems.length > 0) {
    const message = `${p.problems.map(({ error, kept }) => `${error.message}; the hosts use ${kept} until it is fixed`).join('; ')}; routing threshold ${p.policy.threshold}`
    const errors = p.problems.map(({ error, kept }) => ({ file: error.file, issues: error.issues, kept }))
    return p.problems.every((x) => x.fallback === 'backup') ? warn(message, { ...detail, errors }) : fail(message, { ...detail, errors })
  }
  const source = p.fileExists ? p.file : `the defaults (no ${p.file})`
  const fields = p.override ? Object.entries(p.override.patch).map(([key, value]) => (typeof value === 'object' ? key : `${key} ${String(value)}`)) : []
  const layered = p.override ? `, with ${p.overrideFile} (${fields.join(', ') || 'an empty patch'})` : ''
  return ok(`${source}${layered}; routing threshold ${p.policy.threshold}`, detail)
}

/** The model the policy selects is installed, matches its checksums and loads with no network. */
export async function checkEmbeddingModel(f: DoctorFacts): Promise<Verdict> {
  const settings = semanticSettingsOf((await f.policy()).policy)
  const modelsRoot = f.options.modelsRoot ?? defaultModelsRoot()
  const roots = { modelsRoot, userModelsDir: userModelsDirOf(f.dataDir) }
  const id = settings.model
  let desc
  try {
    desc = await describeModel(id, roots)
  } catch (error) {
    return fail(`${errorMessage(error)}${id.includes('/') ? ` — routellm models fetch ${id}, or select an installed model (routellm models list)` : ''}`, {
      model: id,
    })
  }
  const sums = await verifyModelChecksums(desc.dir)
  const detail: Record<string, unknown> = { model: id, source: desc.source, dir: desc.dir, dtype: desc.dtype, checksums: sums.status }
  if (sums.status === 'mismatch') {
    return fail(`"${id}" is corrupt: ${list(sums.mismatches)} do not match SHA256SUMS (${desc.dir}); fetch it again or reinstall`, detail)
  }
  // Offline by construction: no autoFetch, and the embedder replaces the library's fetch with a guard.
  const embedder = createEmbedder({ modelId: id, ...roots, cacheSize: 0, verifyChecksums: false })
  try {
    const loaded = await embedder.load()
    detail.dimensions = loaded.dimensions
    detail.loadMs = Math.round(loaded.loadMs)
    const what = `"${id}" (${desc.source}, ${desc.dtype}, ${loaded.dimensions} d)`
    const loadedLine = `loads offline in ${Math.round(loaded.loadMs)} ms`
    if (sums.status === 'absent') return warn(`${what}: no SHA256SUMS to verify it against; ${loadedLine}`, detail)
    return ok(`${what}: checksums verified, ${loadedLine}`, detail)
  } catch (error) {
    return fail(`${errorMessage(error)}`, detail)
  } finally {
    await embedder.dispose().catch(() => undefined)
  }
}

/** The active model's semantic thresholds were fitted by `routellm calibrate` (thresholdsFor, as the pillar scores). */
export async function checkCalibration(f: DoctorFacts): Promise<Verdict> {
  const p = await f.policy()
  const settings = semanticSettingsOf(p.policy)
  const c = calibrationOf(settings, settings.model)
  const detail = { ...c }
  if (c.calibrated) return ok(`"${c.model}": ${describeCalibration(c)}`, detail)
  const how = 'run routellm calibrate --data <labelled.jsonl> (it writes threshold-override.json)'
  if (c.source === 'uncalibrated-default') {
    return warn(
      `"${c.model}": ${describeCalibration(c)} — its similarity scale differs from the bundled model's, so its semantic scores mean little until you ${how}`,
      detail,
    )
  }
  return warn(`"${c.model}": ${describeCalibration(c)}; ${how}`, detail)
}

/** Ollama answers somewhere (address, version, models) — or which addresses were tried. */
export async function checkOllama(f: DoctorFacts): Promise<Verdict> {
  const s = await f.ollama()
  if (s.detected) {
    const names = s.models.map((m) => m.name)
    const detail = { host: s.host, version: s.version, models: names }
    if (names.length === 0) return warn(`Ollama ${s.version} at ${s.host}, but no model is installed: ollama pull llama3.2:1b`, detail)
    return ok(`Ollama ${s.version} at ${s.host}: ${plural(names.length, 'model')} (${list(names)})`, detail)
  }
  const tried = s.tried.map((t) => `${t.host} (${t.error ?? 'no answer'})`)
  const detail = { tried: s.tried }
  const cloud = await f.endpoints().then(
    (e) => e.cloud.some((c) => c.enabled),
    () => false,
  )
  const line = `not detected; tried ${list(tried)}. Start it with \`ollama serve\` or set OLLAMA_HOST`
  // Without Ollama and without a cloud endpoint, nothing can answer a prompt.
  if (!cloud) return fail(`${line} — and no cloud endpoint is configured, so nothing can answer`, detail)
  return warn(`${line}; until then every prompt goes to the cloud`, detail)
}

/** The SLM judge's model: off in the policy, or installed in Ollama. */
export async function checkJudge(f: DoctorFacts): Promise<Verdict> {
  const judge = (await f.policy()).policy.judge
  const s = await f.ollama()
  const installed = s.detected ? s.models : []
  const smallest = [...installed].sort((a, b) => a.size - b.size)[0]?.name ?? null
  const detail = { enabled: judge.enabled, model: judge.model }
  if (!judge.enabled) {
    const would = judge.model ?? smallest
    return ok(`off in the policy (judge.enabled is false)${would ? `; "${would}" would judge when turned on` : ''}`, detail)
  }
  if (!s.detected) return warn('the policy turns the judge on, but Ollama is not reachable: the judge abstains and the other pillars decide', detail)
  if (judge.model) {
    const name = installed.map((m) => m.name).find((n) => n === judge.model || n === `${judge.model}:latest`)
    if (!name) return warn(`"${judge.model}" is not installed in Ollama at ${s.host}: ollama pull ${judge.model} (the judge abstains until then)`, detail)
    return ok(`"${name}" at ${s.host}`, { ...detail, resolved: name })
  }
  if (!smallest) return warn(`no model installed in Ollama at ${s.host} for the judge: ollama pull qwen2.5:0.5b`, detail)
  return ok(`"${smallest}" at ${s.host} (the smallest installed model; set judge.model to pin one)`, { ...detail, resolved: smallest })
}

/** The OS keychain answers. Unreachable is a failure when a cloud endpoint's key can only come from it. */
export async function checkKeychain(f: DoctorFacts): Promise<Verdict> {
  const e = await f.endpoints()
  const k = e.overview.keychain
  const stored = e.overview.endpoints.filter((x) => x.key.source === 'keychain').length + e.overview.orphanKeys.length
  if (k.available) return ok(`reachable; ${plural(stored, 'key')} stored for RouteLLM (not shown)`, { available: true, keys: stored })
  const stranded = e.cloud.filter((c) => c.enabled && c.from === 'settings' && c.key === 'unknown').map((c) => c.id)
  const detail = { available: false, needed: stranded }
  if (stranded.length > 0) return fail(`${k.message ?? 'unreachable'} (needed for: ${list(stranded)})`, detail)
  return warn(k.message ?? 'unreachable', detail)
}

/** Cloud endpoints (ids only) and whether each has a key. */
export async function checkCloudEndpoints(f: DoctorFacts): Promise<Verdict> {
  const e = await f.endpoints()
  const problems = [...(e.overview.settings.problem ? [e.overview.settings.problem] : []), ...e.envProblems]
  const detail = { endpoints: e.cloud, settingsFile: e.overview.settings.file, problems }
  if (e.cloud.length === 0) {
    const hint = "add one in the dashboard's Settings, with routellm keys import, or ROUTELLM_CLOUD_BASE_URL + ROUTELLM_CLOUD_API_KEY"
    return warn(`none configured: every prompt stays local (${hint})${problems.length ? `; ${problems.join('; ')}` : ''}`, detail)
  }
  const describe = (c: (typeof e.cloud)[number]) =>
    `${c.id}${c.from === 'env' ? ' (environment)' : ''}: ${!c.enabled ? 'disabled' : c.key === 'set' ? `key set (${c.keySource})` : c.key === 'unknown' ? 'key unknown (keychain unreachable)' : 'no key'}`
  const line = e.cloud.map(describe).join(', ')
  const keyless = e.cloud.filter((c) => c.enabled && c.key === 'not-set' && c.provider !== 'custom').map((c) => c.id)
  if (problems.length > 0) return warn(`${line}; ${problems.join('; ')}`, detail)
  if (keyless.length > 0) return warn(`${line}; set a key with routellm keys set ${keyless[0]}`, detail)
  if (!e.cloud.some((c) => c.enabled)) return warn(`${line}: every cloud endpoint is disabled`, detail)
  return ok(line, detail)
}

/** Whether the user (setting or ROUTELLM_OFFLINE) switched the cloud off. */
export async function checkOffline(f: DoctorFacts): Promise<Verdict> {
  const n = f.network()
  if (!n.offline) return ok('off: cloud endpoints may be used', { ...n })
  return warn(
    `on: ${n.reason ?? 'cloud endpoints are off'}${n.cause === 'env' ? ' (unset ROUTELLM_OFFLINE to allow the cloud)' : ' (turn it off in the dashboard)'}`,
    { ...n },
  )
}

/** Files holding a cap, the offline switch or learned state are readable; a damaged one is named with what is in force instead. */
export async function checkDataFiles(f: DoctorFacts): Promise<Verdict> {
  const problems = await f.dataFiles()
  if (problems.length === 0) return ok('cost.json, network.json, probe-results.json, bandit.json and clusters.json are readable (or not created yet)')
  const detail = { problems: problems.map(({ file, message, failClosed }) => ({ file, message, failClosed })) }
  const message = problems.map((p) => p.message).join(' ')
  // Protections are on either way; with no good copy the strictest setting holds until the user acts.
  return problems.some((p) => p.failClosed) ? fail(message, detail) : warn(message, detail)
}

/** In the order they print. */
export const CHECKS: readonly Check[] = [
  { id: 'data-dir', label: 'data folder', run: checkDataDir },
  { id: 'policy', label: 'policy', run: checkPolicy },
  { id: 'embedding-model', label: 'embedding model', run: checkEmbeddingModel },
  { id: 'calibration', label: 'thresholds', run: checkCalibration },
  { id: 'ollama', label: 'ollama', run: checkOllama },
  { id: 'judge', label: 'judge', run: checkJudge },
  { id: 'keychain', label: 'keychain', run: checkKeychain },
  { id: 'cloud', label: 'cloud endpoints', run: checkCloudEndpoints },
  { id: 'offline', label: 'offline mode', run: checkOffline },
  { id: 'data-files', label: 'data files', run: checkDataFiles },
]

/** A check that throws reports a failure with the reason, instead of taking the doctor down. */
export async function runCheck(check: Check, facts: DoctorFacts): Promise<Verdict> {
  try {
    return await check.run(facts)
  } catch (error) {
    return fail(`the check itself failed: ${errorMessage(error)}`)
  }
}
