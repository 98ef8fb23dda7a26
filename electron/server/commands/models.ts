import { resolveDataDir } from '../../core/lib/data-dir'
import { loadPolicyFacts } from '../../core/doctor/facts'
import { describeNetworkError } from '../../core/lib/net-errors'
import { calibrationOf, describeCalibration, semanticSettingsOf, type ModelCalibration } from '../../core/semantic/active'
import { fetchModel, type FetchModelOptions } from '../../core/semantic/fetch'
import { SemanticModelError, defaultModelsRoot, describeModel, listInstalledModels, userModelsDirOf, type ModelSource } from '../../core/semantic/models'
import { UsageError, type CliCommand, type CliContext } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'
import { errorMessage } from '../../../shared/errors'
import { tableLines } from './text-table'

const USAGE = [
  'models <list|fetch> …',
  '  models list [--json]                 installed embedding models (bundled + <data folder>/models), the one the policy selects, calibration',
  '  models fetch <hub-id> [--remote-host <url>] [--dtype auto|fp32|q8] [--revision <rev>]',
  '                                       download an ONNX sentence-embedding model (e.g. Xenova/all-MiniLM-L6-v2) into <data folder>/models',
].join('\n')

export interface ModelsCommandDeps {
  /** Tests: a copy of resources/models. */
  modelsRoot?: string
  /** Tests: a fetch that fails like a machine without network. */
  fetch?: typeof fetch
}

export interface ModelEntry {
  id: string
  source: ModelSource
  dir: string
  selected: boolean
  dtype: string | null
  dimensions: number | null
  /** Why the folder cannot be used (missing file, bad JSON), else null. */
  problem: string | null
  calibration: ModelCalibration
}

export interface ModelsReport {
  /** policy.json in force, or null for the defaults. */
  policy: string | null
  policyProblems: string[]
  selected: string
  selectedInstalled: boolean
  userModelsDir: string
  modelsRoot: string
  models: ModelEntry[]
}

async function modelsReport(dataDir: string, modelsRoot: string): Promise<ModelsReport> {
  const p = await loadPolicyFacts(dataDir)
  const settings = semanticSettingsOf(p.policy)
  const roots = { modelsRoot, userModelsDir: userModelsDirOf(dataDir) }
  const installed = await listInstalledModels(roots)
  const models: ModelEntry[] = []
  for (const m of installed) {
    let dtype: string | null = null
    let dimensions: number | null = null
    let problem: string | null = null
    try {
      const d = await describeModel(m.id, roots)
      dtype = d.dtype
      dimensions = d.dimensions
    } catch (error) {
      problem = errorMessage(error)
    }
    models.push({
      id: m.id,
      source: m.source,
      dir: m.dir,
      selected: m.id === settings.model,
      dtype,
      dimensions,
      problem,
      calibration: calibrationOf(settings, m.id),
    })
  }
  return {
    policy: p.fileExists ? p.file : null,
    policyProblems: p.problems.map(({ error, kept }) => `${error.message}; using ${kept}`),
    selected: settings.model,
    selectedInstalled: models.some((m) => m.selected),
    userModelsDir: roots.userModelsDir,
    modelsRoot,
    models,
  }
}

async function list(ctx: CliContext, args: string[], deps: ModelsCommandDeps): Promise<number> {
  const { flags, positionals } = parseFlags(args, { json: 'boolean' })
  if (positionals.length > 0) throw new UsageError('models list takes no arguments')
  const report = await modelsReport(resolveDataDir(ctx.env), deps.modelsRoot ?? defaultModelsRoot())
  if (flags.json) {
    writeJson(ctx, report)
    return 0
  }
  for (const problem of report.policyProblems) ctx.stderr.write(`warning: ${problem}\n`)
  const rows = [['', 'MODEL', 'SOURCE', 'FORMAT', 'THRESHOLDS']]
  for (const m of report.models) {
    const format = m.problem ? `broken: ${m.problem}` : `${m.dtype ?? '?'}${m.dimensions ? `, ${m.dimensions} d` : ''}`
    rows.push([m.selected ? '*' : '', m.id, m.source, format, describeCalibration(m.calibration)])
  }
  ctx.stdout.write(`${tableLines(rows).join('\n')}\n`)
  const selectedBy = `* selected by ${report.policy ?? 'the default policy'}${report.policy ? ' (semantic.model)' : ''}; `
  ctx.stdout.write(`${report.selectedInstalled ? selectedBy : ''}user models: ${report.userModelsDir}\n`)
  if (!report.selectedInstalled) {
    ctx.stderr.write(
      `warning: the policy selects "${report.selected}", which is not installed: routellm models fetch ${report.selected} (until then the semantic pillar abstains)\n`,
    )
  }
  return 0
}

const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`)

/** A download that failed because there is no way to the host: the socket error's code somewhere down the cause chain. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
])
function networkCause(error: unknown): unknown {
  for (let e = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: string }).code
    if ((code && NETWORK_CODES.has(code)) || (e as { name?: string }).name === 'TimeoutError') return e
  }
  return null
}

/** Progress on stderr: a line when a file is done, and every second for a long one. */
function progressPrinter(ctx: CliContext): NonNullable<FetchModelOptions['onProgress']> {
  let file = ''
  let last = 0
  return (p) => {
    const now = Date.now()
    if (p.file !== file) {
      file = p.file
      last = now
    }
    const done = p.total !== null && p.bytes >= p.total
    if (done) ctx.stderr.write(`  ${p.file}  ${size(p.bytes)}\n`)
    else if (now - last >= 1000) {
      last = now
      ctx.stderr.write(`  ${p.file}  ${size(p.bytes)}${p.total ? ` / ${size(p.total)} (${Math.floor((p.bytes / p.total) * 100)}%)` : ''}\n`)
    }
  }
}

async function fetchCommand(ctx: CliContext, args: string[], deps: ModelsCommandDeps): Promise<number> {
  const { flags, positionals } = parseFlags(args, { 'remote-host': 'string', dtype: 'string', revision: 'string' })
  if (positionals.length !== 1) throw new UsageError('models fetch takes one hub id, e.g. Xenova/all-MiniLM-L6-v2')
  const id = positionals[0]!
  const dtype = flags.dtype ?? 'auto'
  if (dtype !== 'auto' && dtype !== 'fp32' && dtype !== 'q8') throw new UsageError(`--dtype must be auto, fp32 or q8, not "${String(dtype)}"`)
  const dataDir = resolveDataDir(ctx.env)
  const policy = await loadPolicyFacts(dataDir)
  const settings = semanticSettingsOf(policy.policy)
  const remoteHost = typeof flags['remote-host'] === 'string' ? flags['remote-host'] : settings.remoteHost
  try {
    const url = new URL(remoteHost)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    throw new UsageError(`--remote-host must be an http(s) URL, not "${remoteHost}"`)
  }
  const destDir = userModelsDirOf(dataDir)
  ctx.stderr.write(`fetching ${id} from ${remoteHost} into ${destDir}\n`)
  const t0 = Date.now()
  let got
  try {
    got = await fetchModel(id, {
      remoteHost,
      destDir,
      dtype,
      ...(typeof flags.revision === 'string' ? { revision: flags.revision } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      onProgress: progressPrinter(ctx),
    })
  } catch (error) {
    const net = networkCause(error)
    if (net) {
      const host = new URL(remoteHost).host
      throw new Error(
        `no network: cannot reach ${host} (${describeNetworkError(net)}). models fetch needs a network (or --remote-host with a reachable mirror); ` +
          'nothing was changed, and the installed models (routellm models list) keep working offline.',
        { cause: error },
      )
    }
    if (error instanceof SemanticModelError) throw new Error(`${error.message}. Nothing was changed.`, { cause: error })
    throw error
  }
  const bytes = got.files.reduce((n, f) => n + f.bytes, 0)
  const c = calibrationOf(settings, id)
  const next =
    settings.model === id
      ? `the policy selects it; thresholds: ${describeCalibration(c)}`
      : `to use it, set "semantic": { "model": "${id}" } in ${policy.file}, then run routellm calibrate --data <labelled.jsonl>`
  ctx.stderr.write(`${next}\n`)
  ctx.stdout.write(
    `installed ${id} (${got.dtype}, ${got.files.length} files, ${size(bytes)}, checksums written) in ${got.dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  )
  return 0
}

/** `routellm models …`: embedding models for the semantic pillar. */
export function createModelsCommand(deps: ModelsCommandDeps = {}): CliCommand {
  return {
    name: 'models',
    summary: 'embedding models: list the installed ones, fetch a stronger one from a hub',
    usage: USAGE,
    async run(ctx) {
      const [sub, ...rest] = ctx.args
      switch (sub) {
        case 'list':
        case 'ls':
          return list(ctx, rest, deps)
        case 'fetch':
          return fetchCommand(ctx, rest, deps)
        default:
          throw new UsageError(sub ? `unknown models command "${sub.slice(0, 40)}"` : 'which models command? list or fetch')
      }
    },
  }
}

export const modelsCommand = createModelsCommand()
