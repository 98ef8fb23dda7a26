import { readFile, stat } from 'node:fs/promises'
import type { IncomingHttpHeaders } from 'node:http'
import { basename, extname, join, normalize, sep } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants as zlib, gzip } from 'node:zlib'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/** Text compresses well; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json'])
/** Below this, headers cost more than compression saves. */
const MIN_COMPRESS_BYTES = 1024

/** A bundler's content-hashed file name (index-CTNmgwEf.js): its bytes never change under that name. */
const HASHED_NAME = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

export interface StaticFile {
  status: 200 | 304
  body: Buffer
  headers: Record<string, string>
}

interface Encoded {
  key: string
  identity: Buffer
  br: Buffer | null
  gzip: Buffer | null
}

/**
 * Built files compressed once and kept while their size and mtime stay the same: every
 * request after the first is served from memory, and compression runs in zlib's thread
 * pool, never blocking the event loop.
 */
const cache = new Map<string, Promise<Encoded>>()

async function encode(file: string, key: string): Promise<Encoded> {
  const identity = await readFile(file)
  const compress = COMPRESSIBLE.has(extname(file)) && identity.length >= MIN_COMPRESS_BYTES
  const [br, gz] = compress
    ? await Promise.all([
        // Quality 6, not 11: 11 takes seconds on the 430 KB bundle (the first load would wait for it) for ~5% less.
        brotli(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
        gzipAsync(identity, { level: 9 }),
      ])
    : [null, null]
  return { key, identity, br, gzip: gz }
}

async function encoded(file: string): Promise<Encoded | null> {
  let info
  try {
    info = await stat(file)
  } catch {
    return null
  }
  if (!info.isFile()) return null
  const key = `${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}`
  const hit = cache.get(file)
  const cached = hit ? await hit.catch(() => null) : null
  if (cached?.key === key) return cached
  const next = encode(file, key)
  cache.set(file, next)
  next.catch(() => cache.delete(file))
  return next.catch(() => null)
}

/** br when the client takes it, then gzip, else the plain bytes (q=0 means "not this one"). */
function pickEncoding(accept: string | undefined, entry: Encoded): 'br' | 'gzip' | null {
  const offered = new Map<string, number>()
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find((v) => v !== undefined)
    if (name) offered.set(name, q === undefined ? 1 : Number(q))
  }
  const takes = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0
  if (entry.br && takes('br')) return 'br'
  if (entry.gzip && takes('gzip')) return 'gzip'
  return null
}

/**
 * Serve a file of the built dashboard. Paths are resolved inside `root` only (no `..`
 * escapes); unknown paths fall back to index.html so client-side routes load. Hashed
 * assets are cached for a year as immutable; index.html (which names them) is revalidated
 * on every load with its ETag, so a new build is picked up at once.
 */
export async function readStatic(root: string, urlPath: string, headers: IncomingHttpHeaders = {}): Promise<StaticFile | null> {
  const decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  const relative = normalize(decoded).replace(/^([/\\])+/, '')
  const file = join(root, relative || 'index.html')
  if (file !== root && !file.startsWith(root + sep)) return null
  for (const candidate of [file, join(root, 'index.html')]) {
    const entry = await encoded(candidate)
    if (!entry) continue
    const immutable = candidate.startsWith(join(root, 'assets') + sep) && HASHED_NAME.test(basename(candidate))
    const encoding = pickEncoding(headers['accept-encoding'], entry)
    // One strong ETag per representation: the br and gzip bytes differ.
    const etag = `"${entry.key}${encoding ? `-${encoding}` : ''}"`
    const common: Record<string, string> = {
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
      Vary: 'Accept-Encoding',
    }
    const known = (headers['if-none-match'] ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''))
    if (known.includes(etag)) return { status: 304, body: Buffer.alloc(0), headers: common }
    const body = encoding ? entry[encoding]! : entry.identity
    return {
      status: 200,
      body,
      headers: {
        ...common,
        'Content-Type': CONTENT_TYPES[extname(candidate)] ?? 'application/octet-stream',
        'Content-Length': String(body.length),
        ...(encoding ? { 'Content-Encoding': encoding } : {}),
      },
    }
  }
  return null
}
