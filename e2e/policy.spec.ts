import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * ROUTING POLICY on the real headless host: the policy's sections in accordions, each field
 * checked with the policy schema in the page (a bad value never reaches the engine) and by
 * the engine, saved as the policy override, shown as a diff against the defaults, used by the
 * next decision, and undone by one RESET; the semantic section edits the intent clusters.
 */
const MEDIUM_PROMPT = 'Explain how a hash map handles collisions, and when open addressing beats chaining.'

test.describe('routing policy accordions on the headless host', () => {
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

  const rpc = async (channel: string, body: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${host.origin}/api/rpc/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, json: await res.json() }
  }
  const decideThreshold = async (): Promise<number> => ((await rpc('route.decide', { prompt: MEDIUM_PROMPT })).json as { threshold: number }).threshold

  /** Count the override writes the page sends, to prove a bad value is stopped in the page. */
  const countSaves = (page: Page): { n: number } => {
    const saves = { n: 0 }
    page.on('request', (r) => {
      if (r.url().endsWith('/api/rpc/policy.saveOverride')) saves.n++
    })
    return saves
  }

  test('desktop: edit fields, see field errors, save as the override, see the diff, reset in one step', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 })
    const saves = countSaves(page)
    await page.goto(host.url)
    const threshold = page.getByTestId('policy-threshold')
    const field = (path: string) => page.getByTestId(`policy-field-${path}`)

    await test.step('the defaults are in force: nothing differs, nothing to reset', async () => {
      await expect(threshold).toHaveAttribute('data-value', '65')
      await expect(threshold).toHaveAttribute('data-source', 'default')
      await expect(page.getByTestId('policy-diff-empty')).toBeVisible()
      await expect(page.getByTestId('policy-reset')).toBeDisabled()
      await expect(page.getByTestId('policy-file')).toContainText(join(host.dataDir, 'policy.json'))
      await expect(field('threshold')).toHaveValue('65') // the first section is open
    })

    await test.step('bad values are refused by field, in the page, and keep what was typed', async () => {
      await field('threshold').fill('140')
      await field('weights.rules').fill('heavy')
      await page.getByTestId('policy-save-thresholds').click()
      await expect(page.getByTestId('policy-error-weights.rules')).toContainText('"heavy" is not a number')
      await field('weights.rules').fill('1')
      await page.getByTestId('policy-save-thresholds').click()
      await expect(page.getByTestId('policy-error-threshold')).toContainText('100')
      await expect(field('threshold')).toHaveValue('140')
      await expect(field('threshold')).toHaveAttribute('aria-invalid', 'true')
      expect(saves.n).toBe(0)
      await expect(threshold).toHaveAttribute('data-value', '65')
    })

    await test.step('threshold 5 and rules weight 2 are saved as the override; the diff shows them; the next decision uses 5', async () => {
      await field('threshold').fill('5')
      await field('weights.rules').fill('2')
      await page.getByTestId('policy-save-thresholds').click()
      await expect(page.getByTestId('policy-saved-thresholds')).toContainText('Saved 2 changes')
      await expect(threshold).toHaveAttribute('data-value', '5')
      await expect(threshold).toHaveAttribute('data-source', 'override')
      const diff = page.getByTestId('policy-diff-threshold')
      await expect(diff).toHaveAttribute('data-source', 'override')
      await expect(diff).toContainText('65')
      await expect(diff).toContainText('5')
      await expect(page.getByTestId('policy-diff-weights.rules')).toContainText('2')
      await expect(page.getByTestId('policy-section-changed-thresholds')).toContainText('≠ default')
      expect(await decideThreshold()).toBe(5)
      await page.getByTestId('prompt-input').fill(MEDIUM_PROMPT)
      await page.getByTestId('simulate-button').click()
      await expect(page.getByTestId('decision-threshold')).toHaveText('5')
    })

    await test.step('bandit: the arm values it learned; epsilon below the 0.1 floor is refused by the schema; a new floor merges into the same override', async () => {
      await page.getByTestId('prompt-input').fill('hi there')
      await page.getByTestId('run-button').click()
      await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'done')
      await page.getByTestId('policy-section-bandit').click()
      const arm = page.locator('[data-testid="bandit-arm"][data-model="llama3.2:3b"]')
      await expect(arm).toContainText('1')
      expect(Number(await arm.getByTestId('bandit-arm-value').textContent())).toBeGreaterThan(0)
      await field('bandit.epsilon.warmup').fill('0.05')
      await page.getByTestId('policy-save-bandit').click()
      await expect(page.getByTestId('policy-error-bandit.epsilon.warmup')).toContainText('0.1')
      await field('bandit.epsilon.warmup').fill('0.2')
      await field('bandit.epsilon.floor').fill('0.15')
      await field('bandit.strategy').selectOption('thompson')
      await page.getByTestId('policy-save-bandit').click()
      await expect(page.getByTestId('policy-saved-bandit')).toContainText('Saved 2 changes')
      await expect(page.getByTestId('policy-diff-bandit.epsilon.floor')).toContainText('0.15')
      await expect(page.getByTestId('policy-diff-bandit.strategy')).toContainText('thompson')
      await expect(threshold).toHaveAttribute('data-value', '5') // the earlier edits stay
      await page.getByTestId('policy-section-judge').click()
      await page.getByTestId('policy-accordions').scrollIntoViewIfNeeded()
      await page.getByTestId('policy-panel').screenshot({ path: 'e2e/artifacts/policy-accordions.png' })
    })

    await test.step('the engine checks an override too: a bad patch sent past the page gets errors by field', async () => {
      const refused = await rpc('policy.saveOverride', { patch: { judge: { timeoutMs: 5 }, bandit: { epsilon: { warmup: 2 } } } })
      expect(refused.status).toBe(200)
      const errors = (refused.json as { ok: boolean; errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()
      expect(errors).toEqual(['bandit.epsilon.warmup', 'judge.timeoutMs'])
      expect(await decideThreshold()).toBe(5)
    })

    await test.step('a broken policy.json is shown by field; the policy in force does not change', async () => {
      writeFileSync(join(host.dataDir, 'policy.json'), JSON.stringify({ version: 1, threshold: 55, weights: { rules: -1 } }))
      await expect(async () => {
        await page.getByTestId('policy-refresh').click()
        await expect(page.getByTestId('policy-error')).toBeVisible({ timeout: 500 })
      }).toPass({ timeout: 10_000 })
      await expect(page.getByTestId('policy-error')).toContainText('weights.rules')
      await expect(threshold).toHaveAttribute('data-value', '5')
    })

    await test.step('RESET: one click clears the whole override; the diff is empty again and the next decision uses 65', async () => {
      await page.getByTestId('policy-reset').click()
      await expect(page.getByTestId('policy-reset-done')).toContainText('threshold 65')
      await expect(threshold).toHaveAttribute('data-value', '65')
      await expect(page.getByTestId('policy-diff-empty')).toBeVisible()
      await expect(page.getByTestId('policy-reset')).toBeDisabled()
      expect(await decideThreshold()).toBe(65)
    })
  })

  test('semantic: clusters listed, added (checked by the contract schema), edited and deleted, re-embedded on save', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    await page.getByTestId('policy-section-semantic').click()
    await expect(page.getByTestId('policy-field-semantic.model')).toHaveValue('glove-sif-100d')
    const list = page.getByTestId('cluster-list')
    await expect(list.getByRole('row').nth(1)).toBeVisible()

    await page.getByTestId('cluster-add').click()
    await page.getByTestId('cluster-form-id').fill('Tax Forms')
    await page.getByTestId('cluster-form-name').fill('Tax forms')
    await page.getByTestId('cluster-form-save').click()
    await expect(page.getByTestId('cluster-error-id')).toContainText('lowercase')
    await expect(page.getByTestId('cluster-error-utterances')).toBeVisible()

    await page.getByTestId('cluster-form-id').fill('tax-forms')
    await page.getByTestId('cluster-form-tier').selectOption('cloud')
    await page.getByTestId('cluster-form-utterances').fill('fill in my tax return schedule\nwhich deductions apply to a home office')
    await page.getByTestId('cluster-form-save').click()
    await expect(page.getByTestId('cluster-saved')).toContainText(/Saved tax-forms; re-embedded/)
    await expect(page.getByTestId('cluster-row-tax-forms')).toContainText('2')

    await page.getByTestId('cluster-edit-tax-forms').click()
    await expect(page.getByTestId('cluster-form-utterances')).toHaveValue(/home office/)
    await page.getByTestId('cluster-form-name').fill('Tax paperwork')
    await page.getByTestId('cluster-form-save').click()
    await expect(page.getByTestId('cluster-row-tax-forms')).toContainText('Tax paperwork')
    const listed = (await rpc('clusters.list', {})).json as { clusters: Array<{ id: string; name: string }> }
    expect(listed.clusters.find((c) => c.id === 'tax-forms')?.name).toBe('Tax paperwork')

    await page.getByTestId('cluster-remove-tax-forms').click()
    await expect(page.getByTestId('cluster-saved')).toContainText('Deleted tax-forms')
    await expect(page.getByTestId('cluster-row-tax-forms')).toHaveCount(0)
  })

  test('phone 390×844: a section opens, a bad value is refused by field, a good one is saved and shown in the diff', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(host.url)
    await page.getByTestId('policy-section-judge').click()
    const timeout = page.getByTestId('policy-field-judge.timeoutMs')
    await timeout.fill('10')
    await page.getByTestId('policy-save-judge').click()
    await expect(page.getByTestId('policy-error-judge.timeoutMs')).toContainText('50')
    await timeout.fill('2500')
    await page.getByTestId('policy-save-judge').click()
    await expect(page.getByTestId('policy-diff-judge.timeoutMs')).toContainText('2500')
    const width = (await page.evaluate('document.documentElement.scrollWidth')) as number
    expect(width).toBeLessThanOrEqual(390)
    await page.getByTestId('policy-reset').click()
    await expect(page.getByTestId('policy-diff-empty')).toBeVisible()
  })
})
