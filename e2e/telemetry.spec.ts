import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * TELEMETRY on the real headless host with the Ollama double: a prompt is run in the
 * dashboard, the panel counts it when the answer ends, a thumbs up is stored and shown, and
 * neither the prompt nor the answer ever reaches telemetry.db.
 */
const PROMPT_CANARY = 'e2e-canary-prompt-41f7'
const ANSWER = 'Hello! Answered on this machine, measured, and never written down.'

test.describe('telemetry panel and feedback on the headless host', () => {
  test.describe.configure({ mode: 'serial' })

  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({
      models: [{ name: 'llama3.2:1b', family: 'llama', parameterSize: '1.2B', quantization: 'Q8_0' }],
      tokenDelayMs: 10,
      reply: () => ANSWER,
    })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  const rpc = (channel: string, body: unknown) =>
    fetch(`${host.origin}/api/rpc/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })

  test('a prompt is counted when it ends; thumbs up is stored, taught and shown', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(host.url)
    const requests = page.getByTestId('telemetry-requests')

    await test.step('an empty panel before anything ran', async () => {
      await expect(requests).toHaveText('0')
      await expect(page.getByTestId('telemetry-empty')).toBeVisible()
      await expect(page.getByTestId('telemetry-local-share')).toHaveText('—')
      // No thumbs before there is an answer.
      await expect(page.getByTestId('feedback-up')).toHaveCount(0)
    })

    await test.step('run a prompt: the panel counts it when the answer ends', async () => {
      await page.getByTestId('prompt-input').fill(`hello there! my code word is ${PROMPT_CANARY}`)
      await page.getByTestId('run-button').click()
      await expect(page.getByTestId('answer')).toHaveText(ANSWER)
      await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'done')
      await expect(requests).toHaveText('1')
      await expect(page.getByTestId('telemetry-local-share')).toHaveText('100%')
      await expect(page.getByTestId('telemetry-error-rate')).toHaveText('0%')
      await expect(page.getByTestId('telemetry-cost')).toHaveText('$0.00')
      await expect(page.getByTestId('telemetry-latency-local')).toContainText(/\d+(\.\d+)? m?s \/ \d/)
      await expect(page.getByTestId('telemetry-endpoints')).toContainText('ollama · llama3.2:1b')
      const row = page.getByTestId('telemetry-row')
      await expect(row).toHaveCount(1)
      const requestId = await page.getByTestId('answer').getAttribute('data-request-id')
      expect(requestId).toBeTruthy()
      await expect(row).toHaveAttribute('data-request-id', requestId!)
      await expect(row).toHaveAttribute('data-outcome', 'ok')
      await expect(row).toContainText('ollama · llama3.2:1b')
      await expect(row).toHaveAttribute('data-feedback', '')
    })

    await test.step('thumbs up: the chosen rating shows on the answer and in the panel', async () => {
      const up = page.getByTestId('feedback-up')
      await expect(up).toHaveAttribute('aria-pressed', 'false')
      await up.click()
      await expect(up).toHaveAttribute('aria-pressed', 'true')
      await expect(page.getByTestId('feedback-down')).toHaveAttribute('aria-pressed', 'false')
      await expect(page.getByTestId('feedback-status')).toContainText(/rated good/i)
      await expect(page.getByTestId('telemetry-feedback')).toContainText('▲1 ▼0')
      await expect(page.getByTestId('telemetry-row')).toHaveAttribute('data-feedback', 'up')
      await expect(requests).toHaveText('1')
    })

    await test.step('the engine stored it; an unknown request id is not found', async () => {
      const summary = (await (await rpc('telemetry.summary', {})).json()) as { requests: number; feedback: { up: number } }
      expect(summary).toMatchObject({ requests: 1, feedback: { up: 1 } })
      const missing = await rpc('feedback.submit', { requestId: 'no-such-request', rating: 'up' })
      expect(missing.status).toBe(404)
      expect(await missing.json()).toMatchObject({ error: { code: 'not-found' } })
    })

    await test.step('no prompt or answer text in the telemetry files', async () => {
      const files = readdirSync(host.dataDir).filter((f) => f.startsWith('telemetry.db'))
      expect(files).toContain('telemetry.db')
      for (const f of files) {
        const bytes = readFileSync(join(host.dataDir, f))
        expect(bytes.includes(PROMPT_CANARY), f).toBe(false)
        expect(bytes.includes(ANSWER), f).toBe(false)
      }
    })

    await test.step('a second answer starts unrated; thumbs down is counted beside the first vote', async () => {
      await page.getByTestId('prompt-input').fill('thanks, one more please')
      await page.getByTestId('run-button').click()
      await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'done')
      await expect(requests).toHaveText('2')
      await expect(page.getByTestId('feedback-up')).toHaveAttribute('aria-pressed', 'false')
      await page.getByTestId('feedback-down').click()
      await expect(page.getByTestId('feedback-down')).toHaveAttribute('aria-pressed', 'true')
      await expect(page.getByTestId('telemetry-feedback')).toContainText('▲1 ▼1')
      await expect(page.getByTestId('telemetry-row').first()).toHaveAttribute('data-feedback', 'down')
      await expect(page.getByTestId('telemetry-row').nth(1)).toHaveAttribute('data-feedback', 'up')
    })

    await page.locator('section', { has: page.getByTestId('feedback') }).screenshot({ path: 'e2e/artifacts/telemetry-feedback.png' })
    await page.locator('section', { has: page.getByTestId('telemetry-panel') }).screenshot({ path: 'e2e/artifacts/telemetry.png' })
  })
})
