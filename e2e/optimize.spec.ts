import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import type { PolicyView } from '../shared/policy-contract'
import type { TelemetryRow } from '../shared/telemetry'
import { seedRetriedMaths } from '../test/support/synthetic-telemetry'
import type { RunningHost } from './headless-host'
import { CLOUD_ANSWER, LOCAL_ANSWER, startTwoTierStack, type TwoTierStack } from './two-tier-stack'

/**
 * OPTIMIZE LOAD and RETRY IN THE CLOUD on the real headless host with the doubles: telemetry
 * where local answers of one cluster keep being retried in the cloud gives a proposal with
 * its replay; Apply writes it through the audited override, Revert puts the override file
 * back byte for byte; a local answer retried in the cloud is answered by the cloud and
 * recorded as a failed local answer.
 */
// A hand-written override already in place: Revert must bring back exactly these bytes.
const OVERRIDE_BEFORE = '{\n  "version": 1,\n  "patch": { "threshold": 64 },\n  "note": "set by hand"\n}\n'

test.describe('Optimize Load and Retry in the cloud on the headless host', () => {
  test.describe.configure({ mode: 'serial' })

  let stack: TwoTierStack
  let host: RunningHost

  test.beforeAll(async () => {
    stack = await startTwoTierStack({
      tokenDelayMs: 5,
      prepare: (dataDir) => {
        writeFileSync(join(dataDir, 'threshold-override.json'), OVERRIDE_BEFORE)
        // Yesterday's traffic: half the local maths answers were retried in the cloud, small talk was fine.
        seedRetriedMaths(dataDir, 300)
      },
    })
    host = stack.host
  })

  test.afterAll(async () => {
    await stack?.stop()
  })

  const rpc = async <T>(channel: string, body: unknown): Promise<T> => {
    const res = await fetch(`${host.origin}/api/rpc/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    return (await res.json()) as T
  }

  test('the panel shows a proposal and its replay; Apply, then Revert restores the override byte for byte', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(host.url)
    const panel = page.getByTestId('optimize-panel')
    const file = join(host.dataDir, 'threshold-override.json')

    await test.step('propose: maths moves cloudward, with its reason and its replay beside today', async () => {
      await panel.getByTestId('optimize-propose').click()
      const proposal = panel.locator('[data-proposal="cluster:maths"]')
      await expect(proposal).toBeVisible()
      await expect(proposal).toContainText('Cluster "maths" offset: 0 →')
      await expect(proposal).toHaveAttribute('data-from', '0')
      await expect(proposal).toHaveAttribute('data-to', /^[1-5]$/)
      await expect(proposal).toContainText(/local answers failed/)
      await expect(proposal.getByTestId('optimize-replay')).toContainText(/Local share\s*\d+% → \d+%/)
      await expect(proposal.getByTestId('optimize-replay')).toContainText(/Failed local/)
      await expect(panel.locator('[data-proposal="cluster:chat"]')).toHaveCount(0)
    })

    await test.step('apply: written through the audited override by optimize', async () => {
      await panel.getByTestId('optimize-apply').click()
      await expect(panel.getByTestId('optimize-message')).toContainText('Applied 1 change')
      await expect(panel.getByTestId('optimize-audit').locator('tr[data-actor="optimize"]')).toHaveCount(1)
      const view = await rpc<PolicyView>('policy.get', {})
      expect((view.effective['clusterOffsets'] as Record<string, number>)['maths']).toBeGreaterThan(0)
      expect(view.effective['threshold']).toBe(64)
      expect(readFileSync(file, 'utf8')).not.toBe(OVERRIDE_BEFORE)
    })

    await test.step('revert: the override file is back exactly as it was', async () => {
      await panel.getByTestId('optimize-revert').click()
      await expect(panel.getByTestId('optimize-message')).toContainText('Reverted')
      await expect.poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : null)).toBe(OVERRIDE_BEFORE)
      const view = await rpc<PolicyView>('policy.get', {})
      expect((view.effective['clusterOffsets'] as Record<string, number>)['maths'] ?? 0).toBe(0)
    })
  })

  test('Retry in the cloud under a local answer: the cloud answers and the local answer is recorded as retried', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(host.url)
    await page.getByTestId('prompt-input').fill('hello there!')
    await page.getByTestId('run-button').click()
    await expect(page.getByTestId('answer')).toHaveText(LOCAL_ANSWER)
    await expect(page.getByTestId('served-by')).toContainText('local')
    await expect(page.getByTestId('decision-complexity')).not.toHaveAttribute('data-value', 'not scored')
    const localId = await page.getByTestId('answer').getAttribute('data-request-id')

    await page.getByTestId('retry-cloud').click()
    await expect(page.getByTestId('answer')).toHaveText(CLOUD_ANSWER)
    await expect(page.getByTestId('served-by')).toContainText('cloud')
    const cloudId = await page.getByTestId('answer').getAttribute('data-request-id')
    expect(cloudId).not.toBe(localId)
    // No retry button under a cloud answer.
    await expect(page.getByTestId('retry-cloud')).toHaveCount(0)
    // The retry chose the tier: only the privacy check ran, and the panel shows no index for it.
    await expect(page.getByTestId('decision-complexity')).toHaveText('Not scored')
    await expect(page.getByTestId('complexity-not-scored')).toBeVisible()
    await page.screenshot({ path: test.info().outputPath('decision-not-scored.png'), fullPage: true })

    await expect
      .poll(async () => {
        const { rows } = await rpc<{ rows: TelemetryRow[] }>('telemetry.recent', { limit: 10 })
        return { local: rows.find((r) => r.requestId === localId)?.retriedBy, cloud: rows.find((r) => r.requestId === cloudId)?.retryOf }
      })
      .toEqual({ local: cloudId, cloud: localId })
  })
})
