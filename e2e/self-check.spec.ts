import { expect, test } from '@playwright/test'
import { probeScript } from '../test/support/probe-script'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * SELF-CHECK on the real headless host: Run self-check drives the local model (the Ollama
 * double, scripted to fail the maths probes) through the engine, the panel follows the
 * progress events and shows per cluster what passed and what now routes cloudward; Stop ends
 * a slow run and keeps the earlier results.
 */
test.describe('self-check panel on the headless host', () => {
  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({ models: [{ name: 'llama3.2:3b', parameterSize: '3.2B' }], script: probeScript(['maths']) })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  test('Run self-check shows per-cluster results; Stop ends a slow run and keeps them', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(host.url)
    const state = page.getByTestId('self-check-state')

    await test.step('nothing run yet', async () => {
      await expect(state).toContainText('Not run yet')
      await expect(page.getByTestId('self-check-stop')).toBeDisabled()
    })

    await test.step('run it and see the results', async () => {
      await page.getByTestId('self-check-run').click()
      await expect(state).toContainText('Last run: llama3.2:3b', { timeout: 60_000 })
      const maths = page.getByTestId('self-check-row-maths')
      await expect(maths).toContainText('0/8')
      await expect(maths).toContainText('+20 → cloud')
      await expect(page.getByTestId('self-check-row-small-talk')).toContainText('4/4')
      await expect(page.getByTestId('self-check-row-small-talk')).toContainText('unchanged')
    })

    await test.step('the host routes maths prompts with the new offset, small talk without', async () => {
      const decide = async (prompt: string) => {
        const res = await fetch(`${host.origin}/api/rpc/route.decide`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ prompt }),
        })
        return ((await res.json()) as { explanation: string }).explanation
      }
      expect(await decide('What is the area of a circle with radius 3?')).toContain(
        "+20 for cluster 'Maths problems': the local model (llama3.2:3b) passed 0 of 8 maths probes",
      )
      expect(await decide('Hello there, how are you doing today?')).not.toContain('probes')
    })

    await test.step('a slow run shows its progress and stops on Stop, keeping the earlier results', async () => {
      ollama.tokenDelayMs = 300
      try {
        await page.getByTestId('self-check-run').click()
        await expect(state).toContainText(/Running: [1-9]\d* of 48 probes on llama3\.2:3b/, { timeout: 30_000 })
        await expect(page.getByTestId('self-check-last')).toContainText(/PASS|FAIL/)
        await page.getByTestId('self-check-stop').click()
        await expect(state).toContainText('Last run: llama3.2:3b', { timeout: 30_000 })
        await expect(page.getByTestId('self-check-row-maths')).toContainText('+20 → cloud')
        await expect(page.getByTestId('self-check-run')).toBeEnabled()
      } finally {
        ollama.tokenDelayMs = 0
      }
    })
  })
})
