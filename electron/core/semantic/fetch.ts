/**
 * Downloads an ONNX sentence-embedding model into the user's model folder, from a host
 * with the Hugging Face hub's file layout: {remoteHost}/{hubId}/resolve/{revision}/{file}
 * (the same URLs transformers.js builds from env.remoteHost). Files land in a temporary
 * folder, are checked, get a SHA256SUMS and a manifest, and only then replace
 * <destDir>/<hubId> in one rename: a failed download never leaves a half model behind.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { ONNX_FILE_BY_DTYPE, SemanticModelError, assertModelId, type ModelDtype } from './models'
import { errorMessage } from '../../../shared/errors'

export interface FetchModelOptions {
  /** Hub base URL, e.g. https://huggingface.co (no trailing path). */
  remoteHost: string
  /** The user's model folder; the model lands in <destDir>/<hubId>. */
  destDir: string
  revision?: string
  /**
   * Which ONNX weights: 'auto' takes fp32 (onnx/model.onnx) and falls back to the 8-bit
   * quantised file; 'q8' prefers the quantised file.
   */
  dtype?: 'auto' | 'fp32' | 'q8'
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch
  signal?: AbortSignal
  onProgress?: (p: { file: string; bytes: number; total: number | null }) => void
}

export interface FetchedFile {
  path: string
  bytes: number
  sha256: string
}

export interface FetchedModel {
  id: string
  dir: string
  dtype: ModelDtype
  files: FetchedFile[]
}

/** Written next to the files: where the model came from. */
export const MANIFEST_FILE = 'routellm-model.json'

/** transformers.js needs all three to build the tokenizer and the model. */
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const
/** Fetched when present: special tokens and sentence-transformers' pooling choice. */
const OPTIONAL = ['special_tokens_map.json', 'modules.json', '1_Pooling/config.json'] as const

export function hubFileUrl(remoteHost: string, hubId: string, revision: string, file: string): string {
  const host = remoteHost.replace(/\/+$/, '')
  return `${host}/${hubId}/resolve/${encodeURIComponent(revision)}/${file}`
}

async function download(url: string, target: string, rel: string, opts: FetchModelOptions, required: boolean): Promise<FetchedFile | null> {
  const doFetch = opts.fetch ?? globalThis.fetch
  let res: Response
  try {
    res = await doFetch(url, { signal: opts.signal ?? null, redirect: 'follow' })
  } catch (err) {
    throw new SemanticModelError('download-failed', `cannot reach ${url}: ${errorMessage(err)}`, {
      cause: err,
    })
  }
  if (res.status === 404 && !required) {
    await res.body?.cancel().catch(() => undefined)
    return null
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined)
    throw new SemanticModelError('download-failed', `${url} answered HTTP ${res.status}`)
  }
  const totalHeader = res.headers.get('content-length')
  const total = totalHeader ? Number(totalHeader) : null
  await mkdir(path.dirname(target), { recursive: true })
  const hash = createHash('sha256')
  let bytes = 0
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      bytes += chunk.length
      opts.onProgress?.({ file: rel, bytes, total })
      cb(null, chunk)
    },
  })
  try {
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), meter, createWriteStream(target))
  } catch (err) {
    throw new SemanticModelError('download-failed', `download of ${url} broke off: ${errorMessage(err)}`, {
      cause: err,
    })
  }
  if (total !== null && Number.isFinite(total) && bytes !== total) {
    throw new SemanticModelError('download-failed', `${url} sent ${bytes} bytes, expected ${total}`)
  }
  return { path: rel, bytes, sha256: hash.digest('hex') }
}

export async function fetchModel(hubId: string, opts: FetchModelOptions): Promise<FetchedModel> {
  assertModelId(hubId)
  const revision = opts.revision ?? 'main'
  const finalDir = path.join(opts.destDir, ...hubId.split('/'))
  await mkdir(path.dirname(finalDir), { recursive: true })
  const tmpDir = path.join(path.dirname(finalDir), `.fetch-${path.basename(finalDir)}-${randomBytes(4).toString('hex')}`)
  const files: FetchedFile[] = []
  const get = async (rel: string, required: boolean) => {
    const f = await download(hubFileUrl(opts.remoteHost, hubId, revision, rel), path.join(tmpDir, ...rel.split('/')), rel, opts, required)
    if (f) files.push(f)
    return f
  }
  try {
    for (const rel of REQUIRED) await get(rel, true)
    for (const rel of OPTIONAL) await get(rel, false)
    const order: ModelDtype[] = opts.dtype === 'q8' ? ['q8', 'fp32'] : opts.dtype === 'fp32' ? ['fp32'] : ['fp32', 'q8']
    let dtype: ModelDtype | null = null
    for (const d of order) {
      if (await get(ONNX_FILE_BY_DTYPE[d], false)) {
        dtype = d
        break
      }
    }
    if (!dtype) {
      throw new SemanticModelError(
        'download-failed',
        `${hubId} has no ONNX weights at ${order.map((d) => ONNX_FILE_BY_DTYPE[d]).join(' or ')}; pick an ONNX export (e.g. Xenova/all-MiniLM-L6-v2)`,
      )
    }
    // Sanity: the JSON files parse, and the config tells transformers.js which weights to use.
    const configPath = path.join(tmpDir, 'config.json')
    let config: Record<string, unknown>
    try {
      config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
      JSON.parse(await readFile(path.join(tmpDir, 'tokenizer.json'), 'utf8'))
    } catch (err) {
      throw new SemanticModelError('corrupt', `${hubId}: downloaded config.json or tokenizer.json is not valid JSON`, { cause: err })
    }
    if (dtype !== 'fp32') {
      const tjs = (config['transformers.js_config'] as Record<string, unknown> | undefined) ?? {}
      config['transformers.js_config'] = { ...tjs, dtype }
      const bytes = Buffer.from(JSON.stringify(config, null, 2) + '\n', 'utf8')
      await writeFile(configPath, bytes)
      const entry = files.find((f) => f.path === 'config.json')!
      entry.bytes = bytes.length
      entry.sha256 = createHash('sha256').update(bytes).digest('hex')
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    await writeFile(path.join(tmpDir, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.path}\n`).join(''))
    await writeFile(
      path.join(tmpDir, MANIFEST_FILE),
      JSON.stringify({ id: hubId, remoteHost: opts.remoteHost, revision, dtype, fetchedAt: new Date().toISOString(), files }, null, 2) + '\n',
    )
    // Swap in: old copy aside, new copy in, old copy gone.
    const old = existsSync(finalDir) ? `${tmpDir}.old` : null
    if (old) await rename(finalDir, old)
    await rename(tmpDir, finalDir)
    if (old) await rm(old, { recursive: true, force: true })
    return { id: hubId, dir: finalDir, dtype, files }
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined)
    throw err
  }
}
