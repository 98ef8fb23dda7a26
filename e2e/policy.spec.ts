import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * ROUTING POLICY on the real headless host: the threshold is tuned from the dashboard (written
 * as the threshold override), the next decision uses it, a broken policy.json is reported by
 * field while the last good policy keeps routing, and RESET returns to the policy's 65.
 */
const MEDIUM_PROMPT = 'Explain how a hash map handles collisions, and when open addressing beats chaining.'

test.describe('routing policy panel on the headless host', () => {
  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({
      models: [{ name: 'llama3.2:3b', family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M' }],
      reply: () => 'Answered locally.',
    })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  const decideThreshold = async (): Promise<number> => {
    const res = await fetch(`${host.origin}/api/rpc/route.decide`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: MEDIUM_PROMPT }),
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { threshold: number }).threshold
  }

  test('set the threshold, see the next decision use it, see a rejected file, reset to the policy', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(host.url)
    const panel = page.getByTestId('policy-panel')
    const threshold = page.getByTestId('policy-threshold')

    await test.step('the defaults are shown', async () => {
      await expect(threshold).toHaveAttribute('data-value', '65')
      await expect(threshold).toHaveAttribute('data-source', 'default')
      await expect(page.getByTestId('policy-pooling')).toHaveText('logit')
      await expect(page.getByTestId('policy-judge')).toHaveText('off')
      await expect(page.getByTestId('policy-file')).toContainText(join(host.dataDir, 'policy.json'))
      await expect(page.getByTestId('policy-reset')).toBeDisabled()
      await expect(page.getByTestId('policy-error')).toHaveCount(0)
    })

    await test.step('an out-of-range threshold is refused in the form', async () => {
      await page.getByTestId('policy-threshold-input').fill('140')
      await page.getByTestId('policy-threshold-save').click()
      await expect(page.getByTestId('policy-threshold-error')).toContainText(/outside 0–100/)
      await expect(threshold).toHaveAttribute('data-value', '65')
    })

    await test.step('SAVE THRESHOLD 5: the override is in force and the next decision uses it', async () => {
      await page.getByTestId('policy-threshold-input').fill('5')
      await page.getByTestId('policy-threshold-save').click()
      await expect(page.getByTestId('policy-saved')).toContainText('Threshold set to 5.')
      await expect(threshold).toHaveAttribute('data-value', '5')
      await expect(threshold).toHaveAttribute('data-source', 'override')
      await page.getByTestId('prompt-input').fill(MEDIUM_PROMPT)
      await page.getByTestId('simulate-button').click()
      await expect(page.getByTestId('decision-threshold')).toHaveText('5')
      expect(await decideThreshold()).toBe(5)
    })

    await test.step('a broken policy.json is shown by field; the policy in force does not change', async () => {
      writeFileSync(join(host.dataDir, 'policy.json'), JSON.stringify({ version: 1, threshold: 55, weights: { rules: -1 } }))
      await expect(async () => {
        await page.getByTestId('policy-refresh').click()
        await expect(page.getByTestId('policy-error')).toBeVisible({ timeout: 500 })
      }).toPass({ timeout: 10_000 })
      await expect(page.getByTestId('policy-error')).toContainText(/policy file rejected/i)
      await expect(page.getByTestId('policy-error')).toContainText('weights.rules')
      await expect(threshold).toHaveAttribute('data-value', '5')
      expect(await decideThreshold()).toBe(5)
      await panel.scrollIntoViewIfNeeded()
      await page.screenshot({ path: 'e2e/artifacts/policy.png', fullPage: true })
    })

    await test.step('RESET TO POLICY: back to 65, for the panel and the next decision', async () => {
      await page.getByTestId('policy-reset').click()
      await expect(threshold).toHaveAttribute('data-value', '65')
      await expect(page.getByTestId('policy-saved')).toContainText('(65)')
      expect(await decideThreshold()).toBe(65)
      await page.getByTestId('simulate-button').click()
      await expect(page.getByTestId('decision-threshold')).toHaveText('65')
    })
  })
})
