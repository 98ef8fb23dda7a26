/**
 * Where embedding models live and what a model folder must contain.
 *
 * Two roots, in the transformers.js folder layout (config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model*.onnx):
 *   - the bundled root, resources/models (repo path in dev, process.resourcesPath/models
 *     in the packaged app), holding the default model;
 *   - the user's folder, <dataDir>/models, where `models fetch` puts stronger models under
 *     their hub id (e.g. <dataDir>/models/Xenova/all-MiniLM-L6-v2).
 * A model id found in both resolves to the user's copy.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { open, readFile, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { bundledResource } from '../lib/bundled-resource'

export type ModelErrorCode = 'invalid-id' | 'missing' | 'corrupt' | 'load-failed' | 'download-failed' | 'closed'

/** A model problem with a reason a person can act on. */
export class SemanticModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'SemanticModelError'
  }
}

/** "name" or "owner/name", hub style; no dots-only segments, no traversal. */
const MODEL_ID = /^[A-Za-z0-9][\w.-]{0,95}(\/[A-Za-z0-9][\w.-]{0,95})?$/

export function assertModelId(id: string): void {
  if (!MODEL_ID.test(id) || id.includes('..')) {
    throw new SemanticModelError('invalid-id', `"${id}" is not a valid model id (expected "name" or "owner/name")`)
  }
}

export interface ModelRoots {
  /** Bundled models (resources/models). */
  modelsRoot?: string
  /** The user's model folder (<dataDir>/models). */
  userModelsDir?: string
}

/**
 * The bundled models root: process.resourcesPath/models in a packaged Electron app, else
 * the repository's resources/models (found by walking up from this file).
 */
export function defaultModelsRoot(): string {
  return bundledResource('models')
}

/** The user's model folder under the data dir. */
export function userModelsDirOf(dataDir: string): string {
  return path.join(dataDir, 'models')
}

export type ModelSource = 'user' | 'bundled'
export type Pooling = 'mean' | 'cls'

/** ONNX file names transformers.js looks for, by dtype (its DEFAULT_DTYPE_SUFFIX_MAPPING). */
export const ONNX_FILE_BY_DTYPE = {
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
  int8: 'onnx/model_int8.onnx',
  uint8: 'onnx/model_uint8.onnx',
  fp16: 'onnx/model_fp16.onnx',
} as const
export type ModelDtype = keyof typeof ONNX_FILE_BY_DTYPE

export interface ModelDescriptor {
  id: string
  dir: string
  source: ModelSource
  dtype: ModelDtype
  pooling: Pooling
  /** Embedding width from config.json, when it says. */
  dimensions: number | null
}

interface ConfigJson {
  hidden_size?: number
  'transformers.js_config'?: { dtype?: string }
  routellm?: { pooling?: string; dimensions?: number }
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new SemanticModelError('missing', `${what} is missing (${file})`, { cause: err })
  }
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new SemanticModelError('corrupt', `${what} is not valid JSON (${file})`, { cause: err })
  }
}

/** Finds a model folder by id: the user's folder first, then the bundled root. */
export function locateModel(id: string, roots: ModelRoots): { dir: string; source: ModelSource } | null {
  assertModelId(id)
  const candidates: [string | undefined, ModelSource][] = [
    [roots.userModelsDir, 'user'],
    [roots.modelsRoot, 'bundled'],
  ]
  for (const [root, source] of candidates) {
    if (!root) continue
    const dir = path.join(root, ...id.split('/'))
    if (existsSync(path.join(dir, 'config.json'))) return { dir, source }
  }
  return null
}

/**
 * Resolves and checks a model folder: files present, JSON parseable, an ONNX file for a
 * supported dtype. Throws SemanticModelError('missing' | 'corrupt') with the reason.
 */
export async function describeModel(id: string, roots: ModelRoots): Promise<ModelDescriptor> {
  const found = locateModel(id, roots)
  if (!found) {
    const where = [roots.userModelsDir, roots.modelsRoot].filter(Boolean).join(' or ')
    throw new SemanticModelError('missing', `embedding model "${id}" is not installed (looked in ${where || 'no folder'})`)
  }
  const { dir, source } = found
  const config = await readJson<ConfigJson>(path.join(dir, 'config.json'), `config.json of model "${id}"`)
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(path.join(dir, file))) throw new SemanticModelError('missing', `${file} of model "${id}" is missing (${dir})`)
  }
  const wanted = config['transformers.js_config']?.dtype
  const order: ModelDtype[] = ['fp32', 'q8', 'int8', 'uint8', 'fp16']
  if (wanted && wanted in ONNX_FILE_BY_DTYPE) order.unshift(wanted as ModelDtype)
  const dtype = order.find((d) => existsSync(path.join(dir, ONNX_FILE_BY_DTYPE[d])))
  if (!dtype) throw new SemanticModelError('missing', `model "${id}" has no onnx/model*.onnx file (${dir})`)
  const onnxStat = await stat(path.join(dir, ONNX_FILE_BY_DTYPE[dtype]))
  if (onnxStat.size < 16) throw new SemanticModelError('corrupt', `the ONNX file of model "${id}" is empty or truncated`)
  return {
    id,
    dir,
    source,
    dtype,
    pooling: await poolingOf(dir, config),
    dimensions: config.routellm?.dimensions ?? config.hidden_size ?? null,
  }
}

/**
 * Pooling a model was trained with: our config's routellm.pooling, else sentence-transformers'
 * 1_Pooling/config.json (CLS for bge, mean for MiniLM), else mean.
 */
async function poolingOf(dir: string, config: ConfigJson): Promise<Pooling> {
  if (config.routellm?.pooling === 'cls' || config.routellm?.pooling === 'mean') return config.routellm.pooling
  try {
    const st = JSON.parse(await readFile(path.join(dir, '1_Pooling', 'config.json'), 'utf8')) as Record<string, unknown>
    if (st.pooling_mode_cls_token === true) return 'cls'
  } catch {
    // no sentence-transformers pooling config: mean pooling is the common default
  }
  return 'mean'
}

export interface ChecksumReport {
  /** 'absent' when the folder has no SHA256SUMS. */
  status: 'verified' | 'absent' | 'mismatch'
  mismatches: string[]
}

/** SHA-256 of a file, read through one reused buffer (no garbage left behind in the heap). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(1 << 20)
  const fh = await open(file, 'r')
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

/** Checks a model folder against its SHA256SUMS (`sha256sum` format), when it has one. */
export async function verifyModelChecksums(dir: string): Promise<ChecksumReport> {
  let sums: string
  try {
    sums = await readFile(path.join(dir, 'SHA256SUMS'), 'utf8')
  } catch {
    return { status: 'absent', mismatches: [] }
  }
  const mismatches: string[] = []
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim())
    if (!m) continue
    const rel = m[2]!
    const file = path.join(dir, ...rel.split('/'))
    const actual = existsSync(file) ? await sha256File(file) : 'missing'
    if (actual !== m[1]) mismatches.push(rel)
  }
  return { status: mismatches.length ? 'mismatch' : 'verified', mismatches }
}

export interface InstalledModel {
  id: string
  source: ModelSource
  dir: string
}

/** Every model folder (one with a config.json) under both roots, up to owner/name depth. */
export async function listInstalledModels(roots: ModelRoots): Promise<InstalledModel[]> {
  const out: InstalledModel[] = []
  const seen = new Set<string>()
  const scan = async (root: string | undefined, source: ModelSource) => {
    if (!root) return
    const top = await readdir(root, { withFileTypes: true }).catch(() => [])
    for (const a of top) {
      if (!a.isDirectory() || a.name.startsWith('.')) continue
      const aDir = path.join(root, a.name)
      const push = (id: string, dir: string) => {
        if (seen.has(id)) return
        seen.add(id)
        out.push({ id, source, dir })
      }
      if (existsSync(path.join(aDir, 'config.json'))) push(a.name, aDir)
      const sub = await readdir(aDir, { withFileTypes: true }).catch(() => [])
      for (const b of sub) {
        if (b.isDirectory() && !b.name.startsWith('.') && existsSync(path.join(aDir, b.name, 'config.json'))) {
          push(`${a.name}/${b.name}`, path.join(aDir, b.name))
        }
      }
    }
  }
  await scan(roots.userModelsDir, 'user')
  await scan(roots.modelsRoot, 'bundled')
  return out.sort((x, y) => x.id.localeCompare(y.id))
}
