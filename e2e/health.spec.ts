import { expect, test } from '@playwright/test'
import type { OpenAIDouble } from './doubles/openai-double'
import type { RunningHost } from './headless-host'
import { ask, CLOUD_ANSWER, CLOUD_PROMPT, LOCAL_ANSWER, startTwoTierStack, type TwoTierStack } from './two-tier-stack'

/**
 * ENDPOINTS · HEALTH and COST against the real headless host, configured the quick way
 * (environment: one local Ollama double, one OpenAI-compatible cloud double). The cloud
 * double starts failing, its circuit opens and the panel shows it live; then offline mode
 * keeps every request away from the cloud, and the decision says so.
 */

test.describe('endpoint health, offline mode and budget on the headless host', () => {
  test.describe.configure({ mode: 'serial' })

  let stack: TwoTierStack
  let cloud: OpenAIDouble
  let host: RunningHost

  test.beforeAll(async () => {
    stack = await startTwoTierStack()
    ;({ cloud, host } = stack)
  })

  test.afterAll(async () => {
    await stack?.stop()
  })

  test('both endpoints healthy; the failing cloud opens its circuit; offline mode keeps everything local', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(host.url)
    const panel = page.getByTestId('health-panel')

    await test.step('both endpoints are listed healthy, the network online', async () => {
      await expect(page.getByTestId('health-row-ollama')).toContainText('local')
      await expect(page.getByTestId('health-row-cloud')).toContainText('cloud')
      await expect(page.getByTestId('health-state-ollama')).toHaveAttribute('data-state', 'healthy')
      await expect(page.getByTestId('health-state-cloud')).toHaveAttribute('data-state', 'healthy')
      await expect(page.getByTestId('health-row-cloud')).toContainText(/key set/i)
      await expect(page.getByTestId('network-status')).toHaveAttribute('data-offline', 'false')
      await expect(page.getByTestId('offline-toggle')).toHaveAttribute('aria-checked', 'false')
      await expect(panel).toContainText(/all healthy/i)
    })

    await test.step('a cloud prompt is answered by the cloud; its figures appear', async () => {
      await ask(page, CLOUD_PROMPT)
      await expect(page.getByTestId('decision-tier')).toHaveAttribute('data-tier', 'cloud')
      await expect(page.getByTestId('answer')).toHaveText(CLOUD_ANSWER)
      await expect(page.getByTestId('health-error-rate-cloud')).toContainText('0%')
    })

    await test.step('the cloud answers 500: the panel shows its circuit open, with the last error', async () => {
      cloud.setFault({ kind: 'serverError', status: 500, times: 1000 })
      for (let i = 0; i < 3; i++) {
        await ask(page, CLOUD_PROMPT)
        // Failover before the first token: the local model answers, the user is not left without one.
        await expect(page.getByTestId('answer')).toHaveText(LOCAL_ANSWER)
      }
      await expect(page.getByTestId('health-state-cloud')).toHaveAttribute('data-state', /^(open|degraded|half-open)$/)
      await expect(page.getByTestId('health-state-ollama')).toHaveAttribute('data-state', 'healthy')
      await expect(page.getByTestId('health-last-error-cloud')).toContainText(/unavailable|500|server/i)
      await expect(page.getByTestId('health-error-rate-cloud')).not.toHaveText(/^0%/)
      await expect(panel).toContainText(/1 needs attention/i)
      if ((await page.getByTestId('health-state-cloud').getAttribute('data-state')) === 'open') {
        await expect(page.getByTestId('health-cooldown-cloud')).toContainText(/\d+ s|probe due/)
      }
      await page.getByTestId('health-and-cost').screenshot({ path: 'e2e/artifacts/health-open.png' })
    })

    await test.step('offline mode: the cloud is disabled, nothing reaches it, the decision says why', async () => {
      cloud.clearFault() // a request that did reach the cloud would now succeed: only the router can keep it away
      await page.getByTestId('offline-toggle').click()
      const network = page.getByTestId('network-status')
      await expect(network).toHaveAttribute('data-offline', 'true')
      await expect(network).toHaveAttribute('data-cause', 'setting')
      await expect(page.getByTestId('offline-toggle')).toHaveAttribute('aria-checked', 'true')
      await expect(network).toContainText(/cloud is disabled/i)
      await expect(network).toContainText(/nothing will try to reach it/i)
      await expect(page.getByTestId('health-state-cloud')).toHaveAttribute('data-state', 'offline')

      const before = cloud.requests.length
      for (let i = 0; i < 2; i++) {
        await ask(page, CLOUD_PROMPT)
        await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'done')
        await expect(page.getByTestId('decision-tier')).toHaveAttribute('data-tier', 'local')
        await expect(page.getByTestId('decision-explanation')).toContainText(/offline/i)
        await expect(page.getByTestId('answer')).toHaveText(LOCAL_ANSWER)
      }
      // Simulating, refreshing health: still nothing goes out to the cloud.
      await page.getByTestId('simulate-button').click()
      await expect(page.getByTestId('decision-tier')).toHaveAttribute('data-tier', 'local')
      await page.getByTestId('health-refresh').click()
      await expect(page.getByTestId('health-refresh')).toBeEnabled()
      await page.waitForTimeout(500)
      expect(cloud.requests.length).toBe(before)

      await page.getByTestId('health-and-cost').screenshot({ path: 'e2e/artifacts/health.png' })
      await page.screenshot({ path: 'e2e/artifacts/health-page.png', fullPage: true })
      await page.setViewportSize({ width: 420, height: 900 })
      await page.getByTestId('health-and-cost').screenshot({ path: 'e2e/artifacts/health-420.png' })
      await page.setViewportSize({ width: 1280, height: 900 })
    })

    await test.step('offline mode off again: the cloud is allowed and answers', async () => {
      await page.getByTestId('offline-toggle').click()
      await expect(page.getByTestId('network-status')).toHaveAttribute('data-offline', 'false')
      await expect(page.getByTestId('network-status')).not.toContainText(/cloud is disabled/i)
      await expect(page.getByTestId('health-state-cloud')).not.toHaveAttribute('data-state', 'offline')
    })

    await test.step('the cooldown counts down to a probe; a good answer brings the cloud back', async () => {
      // No event marks the end of a cooldown: the panel counts it down itself and asks again at zero.
      await expect(page.getByTestId('health-state-cloud')).toHaveAttribute('data-state', 'half-open', { timeout: 20_000 })
      await ask(page, CLOUD_PROMPT)
      await expect(page.getByTestId('decision-tier')).toHaveAttribute('data-tier', 'cloud')
      await expect(page.getByTestId('answer')).toHaveText(CLOUD_ANSWER)
      await expect(page.getByTestId('health-state-cloud')).toHaveAttribute('data-state', /^(healthy|degraded)$/)
      await expect(page.getByTestId('health-cooldown-cloud')).toHaveText('—')
    })
  })

  test('budget caps: a bad amount is refused with a clear message, a good one is saved', async ({ page }) => {
    await page.goto(host.url)
    const costPanel = page.getByTestId('cost-panel')
    await expect(page.getByTestId('cost-today')).toContainText('$')
    await expect(page.getByTestId('cost-today')).toContainText(/no cap/i)

    await page.getByTestId('budget-daily-input').fill('five dollars')
    await page.getByTestId('budget-save').click()
    await expect(page.getByTestId('budget-daily-error')).toContainText(/amount in US dollars/i)

    await page.getByTestId('budget-daily-input').fill('30')
    await page.getByTestId('budget-monthly-input').fill('20')
    await page.getByTestId('budget-save').click()
    await expect(page.getByTestId('budget-daily-error')).toContainText(/above the monthly cap/i)

    await page.getByTestId('budget-daily-input').fill('$5')
    await page.getByTestId('budget-monthly-input').fill('50')
    await page.getByTestId('budget-save').click()
    await expect(page.getByTestId('budget-saved')).toContainText(/caps saved/i)
    await expect(page.getByTestId('budget-daily-error')).toHaveCount(0)
    await expect(page.getByTestId('cost-today')).toContainText('of $5.00 cap')
    await expect(page.getByTestId('cost-month')).toContainText('of $50.00 cap')
    await expect(costPanel.getByRole('meter').first()).toBeVisible()

    const res = await fetch(`${host.origin}/api/rpc/cost.summary`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    })
    const summary = (await res.json()) as { budget: { dailyUsd: number | null; monthlyUsd: number | null } }
    expect(summary.budget).toMatchObject({ dailyUsd: 5, monthlyUsd: 50 })

    // A reload shows the engine's caps, not leftovers of the form.
    await page.reload()
    await expect(page.getByTestId('budget-daily-input')).toHaveValue('5')
    await expect(page.getByTestId('budget-monthly-input')).toHaveValue('50')
    await page.getByTestId('health-and-cost').screenshot({ path: 'e2e/artifacts/health-cost.png' })
  })
})
