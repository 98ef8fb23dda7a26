import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { readStatic } from './static-files'

describe('readStatic: the built dashboard with compression and cache headers', () => {
  let root: string
  const script = `export const answer = ${JSON.stringify('routing '.repeat(2000))};\n`
  const html = `<!doctype html><title>RouteLLM</title><script src="/assets/index-CTNmgwEf.js"></script>${' '.repeat(2000)}`

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'routellm-static-'))
    mkdirSync(join(root, 'assets'))
    writeFileSync(join(root, 'index.html'), html)
    writeFileSync(join(root, 'assets', 'index-CTNmgwEf.js'), script)
    writeFileSync(join(root, 'assets', 'icon.png'), Buffer.alloc(4096, 7))
  })

  it('serves brotli when accepted, else gzip, else the plain bytes; all decode to the file', async () => {
    const br = await readStatic(root, '/assets/index-CTNmgwEf.js', { 'accept-encoding': 'gzip, deflate, br' })
    expect(br?.headers['Content-Encoding']).toBe('br')
    expect(brotliDecompressSync(br!.body).toString()).toBe(script)
    expect(br!.body.length).toBeLessThan(script.length / 10)
    expect(br?.headers['Content-Length']).toBe(String(br!.body.length))

    const gz = await readStatic(root, '/assets/index-CTNmgwEf.js', { 'accept-encoding': 'gzip' })
    expect(gz?.headers['Content-Encoding']).toBe('gzip')
    expect(gunzipSync(gz!.body).toString()).toBe(script)

    const refused = await readStatic(root, '/assets/index-CTNmgwEf.js', { 'accept-encoding': 'br;q=0, gzip;q=0' })
    expect(refused?.headers['Content-Encoding']).toBeUndefined()
    expect(refused?.body.toString()).toBe(script)
    expect(refused?.headers.Vary).toBe('Accept-Encoding')
  })

  it('hashed assets are immutable for a year; index.html and unhashed files are revalidated', async () => {
    const asset = await readStatic(root, '/assets/index-CTNmgwEf.js')
    expect(asset?.headers['Cache-Control']).toBe('public, max-age=31536000, immutable')
    const index = await readStatic(root, '/')
    expect(index?.headers['Cache-Control']).toBe('no-cache')
    expect(index?.headers['Content-Type']).toBe('text/html; charset=utf-8')
    expect((await readStatic(root, '/assets/icon.png'))?.headers['Cache-Control']).toBe('no-cache')
    // A client-side route falls back to index.html, which must not be cached as if it were an asset.
    const fallback = await readStatic(root, '/assets/index-Missing0.js')
    expect(fallback?.headers['Cache-Control']).toBe('no-cache')
    expect(fallback?.body.toString()).toBe(html)
  })

  it('answers 304 to a matching ETag of the same representation, 200 otherwise', async () => {
    const first = await readStatic(root, '/', { 'accept-encoding': 'gzip' })
    const etag = first!.headers.ETag!
    const again = await readStatic(root, '/', { 'accept-encoding': 'gzip', 'if-none-match': etag })
    expect(again?.status).toBe(304)
    expect(again?.body.length).toBe(0)
    const otherEncoding = await readStatic(root, '/', { 'accept-encoding': 'br', 'if-none-match': etag })
    expect(otherEncoding?.status).toBe(200)
  })

  it('a rebuilt file is served fresh, not from the compressed copy in memory', async () => {
    const before = await readStatic(root, '/', { 'accept-encoding': 'gzip' })
    writeFileSync(join(root, 'index.html'), `${html}<!-- rebuilt, longer -->`)
    const after = await readStatic(root, '/', { 'accept-encoding': 'gzip' })
    expect(gunzipSync(after!.body).toString()).toContain('rebuilt')
    expect(after!.headers.ETag).not.toBe(before!.headers.ETag)
  })

  it('small and already-compressed files go out as they are; paths cannot leave the root', async () => {
    const png = await readStatic(root, '/assets/icon.png', { 'accept-encoding': 'br' })
    expect(png?.headers['Content-Encoding']).toBeUndefined()
    expect(png?.headers['Content-Type']).toBe('image/png')
    // Normalised inside the root: no such file there, so the dashboard's index.html.
    for (const escape of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      expect((await readStatic(root, escape))?.body.toString()).toBe(`${html}<!-- rebuilt, longer -->`)
    }
  })
})
