import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'

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

export interface StaticFile {
  body: Buffer
  contentType: string
}

/**
 * Read a file of the built dashboard. Paths are resolved inside `root` only (no `..`
 * escapes); unknown paths fall back to index.html so client-side routes load.
 */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | null> {
  const decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  const relative = normalize(decoded).replace(/^([/\\])+/, '')
  const file = join(root, relative || 'index.html')
  if (file !== root && !file.startsWith(root + sep)) return null
  for (const candidate of [file, join(root, 'index.html')]) {
    try {
      const body = await readFile(candidate)
      return { body, contentType: CONTENT_TYPES[extname(candidate)] ?? 'application/octet-stream' }
    } catch {
      // try the next candidate
    }
  }
  return null
}
