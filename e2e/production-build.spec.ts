import { get } from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { expect, test } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * The dashboard as the headless host ships it: a minified production build, compressed
 * (br/gzip) with cache headers, loaded with each RPC sent once. Prints the initial JS
 * size and the time from navigation to an interactive prompt (a figure, not a pass mark).
 */
interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The bytes on the wire, still compressed. */
  body: Buffer
}

/** GET without any decoding, to see exactly what the host sends. */
function rawGet(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

function decode(r: Raw): Buffer {
  const encoding = r.headers['content-encoding']
  return encoding === 'br' ? brotliDecompressSync(r.body) : encoding === 'gzip' ? gunzipSync(r.body) : r.body
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

test.describe('production build served by the headless host', () => {
  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => 'ok' })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  test('index.html is revalidated; the hashed, minified bundle is compressed and immutable', async () => {
    const index = await rawGet(`${host.origin}/`, { 'Accept-Encoding': 'br, gzip' })
    expect(index.status).toBe(200)
    expect(index.headers['cache-control']).toBe('no-cache')
    const html = decode(index).toString()
    const scripts = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((m) => m[1]!)
    expect(scripts).toHaveLength(1)
    const again = await rawGet(`${host.origin}/`, { 'Accept-Encoding': 'br, gzip', 'If-None-Match': String(index.headers.etag) })
    expect(again.status).toBe(304)

    const url = new URL(scripts[0]!, `${host.origin}/`).toString()
    const [plain, gz, br] = await Promise.all([
      rawGet(url, { 'Accept-Encoding': 'identity' }),
      rawGet(url, { 'Accept-Encoding': 'gzip' }),
      rawGet(url, { 'Accept-Encoding': 'br, gzip' }),
    ])
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(br.headers['content-encoding']).toBe('br')
    expect(decode(gz).equals(plain.body)).toBe(true)
    expect(decode(br).equals(plain.body)).toBe(true)
    // Minified: long lines (a few come from template literals), not one statement per indented line.
    const lines = plain.body.toString().split('\n').length
    expect(plain.body.length / lines).toBeGreaterThan(2000)
    expect(gz.body.length).toBeLessThanOrEqual(150 * 1024)
    console.log(`renderer initial JS: ${kb(plain.body.length)} raw, ${kb(gz.body.length)} gzip, ${kb(br.body.length)} br`)
  })

  test('each RPC is sent once at load', async ({ page }) => {
    const rpcs: string[] = []
    page.on('request', (r) => {
      const m = /\/api\/rpc\/([\w.-]+)$/.exec(new URL(r.url()).pathname)
      if (m) rpcs.push(m[1]!)
    })
    // Interactive: the engine answered app.info and the prompt takes input. Reported cold (first
    // visit of this browser) and warm (a second visit, assets from the HTTP cache).
    const loadToInteractive = async () => {
      // From a blank page: going to the same URL again would only change the fragment, not load anything.
      await page.goto('about:blank')
      const started = Date.now()
      await page.goto(host.url)
      await expect(page.getByTestId('app-info')).toContainText('HEADLESS')
      await expect(page.getByTestId('prompt-input')).toBeEditable()
      return Date.now() - started
    }
    const cold = await loadToInteractive()
    const warm = await loadToInteractive()
    // Where the warm load's time went (navigation and the RPCs), from the page's own timings.
    const timings = (await page.evaluate(`(() => {
      const nav = performance.getEntriesByType('navigation')[0]
      const rpc = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/rpc/'))
      return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), slowestRpc: Math.round(Math.max(0, ...rpc.map((r) => r.duration))), lastRpcEnd: Math.round(Math.max(0, ...rpc.map((r) => r.responseEnd))) }
    })()`)) as Record<string, number>
    console.log(`first load to interactive: ${cold} ms cold, ${warm} ms warm (warm: ${JSON.stringify(timings)})`)
    rpcs.length = 0
    await page.reload()
    await expect(page.getByTestId('ollama-status')).toHaveAttribute('data-detected', 'true')
    // Every panel has asked for its data; then give a duplicate (e.g. a reload when the event stream opens) time to show.
    const atLoad = ['app.info', 'ollama.status', 'health.status', 'cost.summary', 'telemetry.summary', 'telemetry.recent', 'policy.get', 'endpoints.list']
    await expect.poll(() => atLoad.filter((c) => !rpcs.includes(c))).toEqual([])
    await expect(page.getByTestId('events-status')).toHaveAttribute('data-status', 'open')
    await page.waitForTimeout(1500)
    const counts = Object.fromEntries(rpcs.map((c) => [c, rpcs.filter((x) => x === c).length]))
    expect(Object.entries(counts).filter(([, n]) => n > 1)).toEqual([])
    expect(rpcs).toContain('app.info')
  })
})
