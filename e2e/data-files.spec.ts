import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * A data folder whose cost.json and network.json were damaged while RouteLLM was not
 * running, with no good copy: the dashboard's health panel names both files, says what is in
 * force instead (offline on, cloud refused), and the offline switch shows on.
 */
test.describe('damaged data files in the dashboard', () => {
  let host: RunningHost

  test.beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), 'routellm-e2e-damaged-'))
    writeFileSync(join(home, 'cost.json'), '{"version": 1, "budget": {"dailyUsd": "five"}}')
    writeFileSync(join(home, 'network.json'), '{"offline": ')
    host = await startHeadlessHost({ ROUTELLM_HOME: home, OLLAMA_HOST: '127.0.0.1:9' })
  })

  test.afterAll(async () => {
    await host?.stop()
  })

  test('the health panel lists each damaged file with what is in force until it is fixed', async ({ page }) => {
    await page.goto(host.url)
    const problems = page.getByTestId('data-file-problems')
    await expect(problems).toBeVisible()
    await expect(page.getByTestId('data-file-problem-cost.json')).toContainText('budget.dailyUsd')
    await expect(page.getByTestId('data-file-problem-cost.json')).toContainText('every cloud request is refused')
    await expect(page.getByTestId('data-file-problem-network.json')).toContainText('network.json: is not valid JSON (it ends too early)')
    await expect(page.getByTestId('data-file-problem-network.json')).toContainText('offline mode is on')
  })
})
