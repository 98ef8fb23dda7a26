import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * WHAT-IF on the real headless host: 200 labelled prompts (JSONL) loaded from a file, routed
 * once without generating anything; moving the threshold slider re-splits them live.
 */
const KINDS = [
  (i: number) => ({ prompt: `hello there, friend number ${i}!`, label: 'local' }),
  (i: number) => ({
    prompt: `Prove that the square root of ${i * 2 + 3} is irrational when it is not a perfect square, and generalise the argument.`,
    label: 'cloud',
  }),
  (i: number) => ({ prompt: `Explain how a hash map handles collisions in case ${i}, and when open addressing beats chaining.`, label: 'cloud' }),
  (i: number) => ({ prompt: `Give me a synonym for tired, variant ${i}.`, label: 'local' }),
]
const BATCH = Array.from({ length: 200 }, (_, i) => KINDS[i % KINDS.length]!(i))

const figure = async (page: Page, id: string) => Number(await page.getByTestId(id).textContent())

test.describe('what-if on the headless host', () => {
  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => 'never generated' })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  test('200 prompts from a file: the split, cost and per-prompt table follow the slider', async ({ page }) => {
    test.setTimeout(180_000)
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    const chatsBefore = ollama.requestsTo('/api/chat').length
    await page.getByTestId('whatif-file').setInputFiles({
      name: 'batch.jsonl',
      mimeType: 'text/plain',
      buffer: Buffer.from(BATCH.map((r) => JSON.stringify(r)).join('\n')),
    })
    await expect(page.getByTestId('whatif-input')).toHaveValue(/variant 199\./)
    await page.getByTestId('whatif-route').click()
    await expect(page.getByTestId('whatif-table')).toBeVisible({ timeout: 150_000 })
    await expect(page.getByTestId('whatif-row')).toHaveCount(200, { timeout: 15_000 })
    await expect(page.getByTestId('whatif-threshold-value')).toHaveText('65')
    expect((await figure(page, 'whatif-local')) + (await figure(page, 'whatif-cloud'))).toBe(200)
    await expect(page.getByTestId('whatif-accuracy')).toHaveText(/^\d+%$/)

    const at = async (threshold: number) => {
      await page.getByTestId('whatif-threshold').fill(String(threshold))
      // Re-rendering 200 rows on a loaded machine can take a moment.
      await expect(page.getByTestId('whatif-threshold-value')).toHaveText(String(threshold), { timeout: 15_000 })
      return { local: await figure(page, 'whatif-local'), cloud: await figure(page, 'whatif-cloud'), cost: await page.getByTestId('whatif-cost').textContent() }
    }
    const low = await at(5)
    await page.getByTestId('whatif-panel').scrollIntoViewIfNeeded()
    await page.screenshot({ path: 'e2e/artifacts/whatif.png' })
    const high = await at(95)
    // A lower threshold sends more prompts to the cloud and costs more; the table follows.
    expect(low.cloud).toBeGreaterThan(high.cloud)
    expect(low.cost).not.toBe(high.cost)
    await expect(page.locator('[data-testid="whatif-row"][data-tier="cloud"]')).toHaveCount(high.cloud)
    // Routing the batch generated nothing.
    expect(ollama.requestsTo('/api/chat').length).toBe(chatsBefore)
  })

  test('with strong/weak outcomes in the file: APGR and the quality of the split, priced by the policy', async ({ page }) => {
    test.setTimeout(120_000)
    const rpc = (channel: string, body: unknown) =>
      fetch(`${host.origin}/api/rpc/${channel}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    // The what-if prices come from the policy's simulation section, not from constants in the page.
    const saved = await rpc('policy.saveOverride', {
      patch: { simulation: { cloudPrice: { inputPerMTok: 100, outputPerMTok: 200 }, assumedOutputTokens: 1000 } },
    })
    expect(((await saved.json()) as { ok: boolean }).ok).toBe(true)
    // Only the hard prompts need the strong model; the small talk both models get right.
    const outcomes = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? { prompt: `hello there, friend number ${i}!`, strong: 1, weak: 1 } : { ...KINDS[1]!(i), strong: 1, weak: 0 },
    )
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    await page.getByTestId('whatif-input').fill(outcomes.map((r) => JSON.stringify(r)).join('\n'))
    await page.getByTestId('whatif-route').click()
    await expect(page.getByTestId('whatif-row')).toHaveCount(40, { timeout: 90_000 })
    await expect(page.getByTestId('whatif-price')).toContainText('$100 in / $200 out per Mtok, 1000 answer tokens')
    const apgr = Number(await page.getByTestId('whatif-apgr').textContent())
    expect(apgr).toBeGreaterThan(0.5) // the index ranks the proofs above the greetings
    const qualityAt = async (threshold: number) => {
      await page.getByTestId('whatif-threshold').fill(String(threshold))
      await expect(page.getByTestId('whatif-threshold-value')).toHaveText(String(threshold))
      return { quality: await page.getByTestId('whatif-quality').textContent(), gap: await page.getByTestId('whatif-gap').textContent() }
    }
    const allCloud = await qualityAt(0)
    expect(allCloud).toEqual({ quality: '100.0%', gap: '100%' })
    await page.getByTestId('whatif-outcomes').scrollIntoViewIfNeeded()
    await page.screenshot({ path: 'e2e/artifacts/whatif-outcomes.png' })
    const allLocal = await qualityAt(100)
    expect(allLocal).toEqual({ quality: '50.0%', gap: '0%' })
    await rpc('policy.clearOverride', {})
  })

  test('phone 390×844: a batch is routed, the slider re-splits it, the table is cards', async ({ page }) => {
    test.setTimeout(120_000)
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(host.url)
    await page.getByTestId('whatif-input').fill(
      BATCH.slice(0, 20)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    )
    await page.getByTestId('whatif-route').click()
    await expect(page.getByTestId('whatif-row')).toHaveCount(20, { timeout: 90_000 })
    await page.getByTestId('whatif-threshold').fill('5')
    const low = await figure(page, 'whatif-cloud')
    await page.getByTestId('whatif-threshold').fill('95')
    await expect(page.getByTestId('whatif-threshold-value')).toHaveText('95')
    expect(await figure(page, 'whatif-cloud')).toBeLessThan(low)
    await expect(page.getByTestId('whatif-row').first()).toHaveCSS('display', 'block')
    expect((await page.evaluate('document.documentElement.scrollWidth')) as number).toBeLessThanOrEqual(390)
  })
})

/** `routellm simulate` as a user runs it: a fresh process and a fresh data folder. */
function simulateCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const home = mkdtempSync(join(tmpdir(), 'routellm-simulate-'))
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', 'simulate', ...args], {
      env: { ...process.env, ROUTELLM_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('exit', (code) => resolve({ code, out, err }))
  })
}

test('routellm simulate --threshold N re-splits the same file; a bad value is a usage error', async () => {
  test.setTimeout(120_000)
  const file = join(mkdtempSync(join(tmpdir(), 'routellm-batch-')), 'batch.jsonl')
  writeFileSync(
    file,
    BATCH.slice(0, 40)
      .map((r) => JSON.stringify(r))
      .join('\n'),
  )
  const split = async (threshold: string) => {
    const { code, out, err } = await simulateCli(['--data', file, '--json', '--threshold', threshold])
    expect(code, err).toBe(0)
    return JSON.parse(out) as { threshold: number; tiers: { local: number; cloud: number } }
  }
  const [low, high] = await Promise.all([split('10'), split('90')])
  expect(low.threshold).toBe(10)
  expect(high.threshold).toBe(90)
  expect(low.tiers.cloud).toBeGreaterThan(high.tiers.cloud)
  const bad = await simulateCli(['--data', file, '--threshold', '150'])
  expect(bad.code).toBe(2)
  expect(bad.err).toContain('--threshold must be a number from 0 to 100')
})
