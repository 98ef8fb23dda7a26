import { expect, test, type Page } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import type { OpenAIDouble } from './doubles/openai-double'
import { startHeadlessHost, type RunningHost } from './headless-host'
import { ask, CLOUD_PROMPT, LOCAL_ANSWER, startTwoTierStack, type TwoTierStack } from './two-tier-stack'

/**
 * The pathway and visible failover, against the real headless host with an Ollama double
 * and an OpenAI-compatible cloud double: the phases as the user sees them (each one shown,
 * each with its measured time), the route to LOCAL or CLOUD with a failover hop, the decision
 * panel and the answer footer telling the same story, the header's OFFLINE / DEGRADED, the
 * Ollama panel following health, stale errors clearing, and Esc and phone layout.
 */
const LOCAL_PROMPT = 'hello there!'

/** Record every value the status line shows, in order, from now on (a script: this file has no DOM types). */
async function recordPhases(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const el = document.querySelector('[data-testid="status-line"]')
    const seen = (window.phasesSeen = [])
    new MutationObserver(() => {
      const phase = el.getAttribute('data-phase')
      if (seen.at(-1) !== phase) seen.push(phase)
    }).observe(el, { attributes: true, attributeFilter: ['data-phase'] })
  })()`)
}

const phasesSeen = (page: Page) => page.evaluate('window.phasesSeen') as Promise<string[]>

test.describe('pathway, failover and health where the user looks', () => {
  test.describe.configure({ mode: 'serial' })

  let stack: TwoTierStack
  let ollama: OllamaDouble
  let cloud: OpenAIDouble
  let host: RunningHost

  test.beforeAll(async () => {
    stack = await startTwoTierStack({ tokenDelayMs: 10 })
    ;({ ollama, cloud, host } = stack)
  })

  test.afterAll(async () => {
    await stack?.stop()
  })

  test('a run shows every phase with its measured time and the path to LOCAL', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    await expect(page.getByTestId('system-condition')).toHaveAttribute('data-condition', 'online')
    await recordPhases(page)
    await ask(page, LOCAL_PROMPT)
    await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'done')
    // Every phase is on screen at least once, routing included, in the engine's order.
    expect(await phasesSeen(page)).toEqual(['starting', 'analyzing', 'routing', 'generating', 'done'])
    for (const step of ['analyzing', 'routing', 'generating', 'done']) {
      await expect(page.getByTestId(`pathway-ms-${step}`)).toHaveText(/^\d+(\.\d+)? (ms|s)$/)
    }
    const nodes = page.getByTestId('pathway-node')
    await expect(nodes).toHaveCount(1)
    await expect(nodes.first()).toHaveAttribute('data-tier', 'local')
    await expect(nodes.first()).toHaveAttribute('data-state', 'served')
    await expect(page.getByTestId('decision-served-tier')).toHaveAttribute('data-failover', 'false')
    await expect(page.getByTestId('answer-outcome')).toHaveText('Answered by local ollama (llama3.2:3b), as routed.')

    // The telemetry bar at the top counted it live.
    const bar = page.getByTestId('telemetry-bar')
    await expect(bar.getByTestId('bar-rpm')).toHaveText('1')
    await expect(bar.getByTestId('bar-requests')).toHaveText('1')
    await expect(bar.getByTestId('bar-local-share')).toHaveText('100%')
    await expect(bar.getByTestId('bar-ttft-local')).toHaveText(/^\d+(\.\d+)? (ms|s)$/)
    await expect(bar.getByTestId('bar-error-rate')).toHaveText('0%')
    await expect(bar.getByTestId('bar-spend')).toHaveText('$0.00')
    await expect(bar.getByTestId('bar-breakers')).toHaveText('all closed (2)')
    await page.screenshot({ path: 'e2e/artifacts/pathway-local.png' })
  })

  test('a failing cloud: the pathway, the decision panel and the footer show the hop to local', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    cloud.setFault({ kind: 'serverError', status: 500, times: 1000 })
    await ask(page, CLOUD_PROMPT)
    await expect(page.getByTestId('answer')).toHaveText(LOCAL_ANSWER)

    await test.step('pathway: CLOUD ✕ then LOCAL', async () => {
      const nodes = page.getByTestId('pathway-node')
      await expect(nodes).toHaveCount(2)
      await expect(nodes.nth(0)).toHaveAttribute('data-tier', 'cloud')
      await expect(nodes.nth(0)).toHaveAttribute('data-state', 'failed')
      await expect(nodes.nth(0)).toContainText('CLOUD ✕')
      await expect(nodes.nth(1)).toHaveAttribute('data-tier', 'local')
      await expect(nodes.nth(1)).toHaveAttribute('data-state', 'served')
    })

    await test.step('decision: routed to CLOUD, served by LOCAL after failover, with the hop', async () => {
      await expect(page.getByTestId('decision-tier')).toHaveAttribute('data-tier', 'cloud')
      await expect(page.getByTestId('decision-served-tier')).toHaveAttribute('data-tier', 'local')
      await expect(page.getByTestId('decision-served-tier')).toHaveAttribute('data-failover', 'true')
      await expect(page.getByTestId('decision-hop')).toHaveCount(1)
      await expect(page.getByTestId('decision-hop')).toHaveAttribute('data-error', 'unavailable')
      await expect(page.getByTestId('decision-hop')).toContainText('cloud ✕ cloud')
    })

    await test.step('footer: says what happened', async () => {
      await expect(page.getByTestId('answer-outcome')).toHaveAttribute('data-failover', 'true')
      await expect(page.getByTestId('answer-outcome')).toHaveText(
        /^Failover: cloud cloud \(gpt-4o-mini\) failed: unavailable → Answered by local ollama \(llama3\.2:3b\)\.$/,
      )
    })
    await page.screenshot({ path: 'e2e/artifacts/pathway-failover.png' })

    await test.step('the header says DEGRADED once the cloud circuit opens', async () => {
      for (let i = 0; i < 3; i++) await ask(page, CLOUD_PROMPT)
      await expect(page.getByTestId('system-condition')).toHaveAttribute('data-condition', 'degraded')
      await expect(page.getByTestId('system-condition')).toHaveAttribute('title', /cloud (open|degraded|half-open)/)
      await expect(page.getByTestId('bar-breakers')).toHaveText(/^1 open|probing/)
      await expect(page.getByTestId('bar-rpm')).toHaveText(/^[4-9]$/)
    })
  })

  test('an error banner from a failed run clears when a later run succeeds', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    // The cloud's circuit is open (previous test); Ollama fails this one chat (not a health probe): nothing can answer.
    ollama.setFault({ kind: 'serverError', status: 500, times: 1, paths: ['/api/chat'] })
    await ask(page, LOCAL_PROMPT)
    await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'error')
    const banner = page.getByRole('alert').filter({ hasText: /no endpoint could answer/i })
    await expect(banner).toBeVisible()
    await ask(page, LOCAL_PROMPT)
    await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'done')
    await expect(page.getByTestId('answer')).toHaveText(LOCAL_ANSWER)
    await expect(banner).toHaveCount(0)
  })

  test('Ollama stops: the Ollama panel follows the health events; offline mode shows OFFLINE in the header', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(host.url)
    await expect(page.getByTestId('ollama-status')).toHaveAttribute('data-detected', 'true')
    await ollama.close()
    await ask(page, LOCAL_PROMPT)
    const panel = page.getByTestId('ollama-status')
    await expect(panel).not.toContainText(/^DETECTED/)
    await expect(panel).toContainText(/NOT RESPONDING|NOT DETECTED/)
    await expect(page.getByTestId('system-condition')).toHaveAttribute('data-condition', 'degraded')
    await expect(page.getByTestId('system-condition')).toHaveAttribute('title', /ollama/)
    await page.screenshot({ path: 'e2e/artifacts/ollama-down.png' })

    await page.getByTestId('offline-toggle').click()
    await expect(page.getByTestId('system-condition')).toHaveAttribute('data-condition', 'offline')
    await expect(page.getByTestId('system-condition')).toHaveText(/OFFLINE/)
  })
})

test.describe('keyboard, phone layout and reduced motion', () => {
  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], tokenDelayMs: 5, reply: () => 'A short local answer.' })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  test('Esc stops a run with focus anywhere, and focus returns to the prompt', async ({ page }) => {
    await page.goto(host.url)
    ollama.setFault({ kind: 'slowFirstToken', delayMs: 30_000, times: 1 })
    await page.getByTestId('prompt-input').fill(LOCAL_PROMPT)
    await page.getByTestId('run-button').click()
    await expect(page.getByTestId('stop-button')).toBeEnabled()
    // The slow answer has reached Ollama (its one-shot fault is used up), so Esc stops a
    // generation, and no later test inherits a stalled first token.
    await expect.poll(() => ollama.fault).toBeNull()
    // Focus leaves the prompt: on the answer region, then nowhere in particular.
    await page.getByRole('region', { name: 'Answer text' }).focus()
    await expect(page.getByTestId('prompt-input')).not.toBeFocused()
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'aborted')
    await expect(page.getByTestId('prompt-input')).toBeFocused()
    await expect(page.getByTestId('answer-outcome')).toHaveText(/^Stopped by you/)
  })

  test('at 390×844 the order is prompt → status → answer → decision; Ollama folds; tables are cards', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(host.url)
    await ask(page, LOCAL_PROMPT)
    const top = async (testId: string) => (await page.getByTestId(testId).first().boundingBox())!.y
    const [prompt, status, answer, decision] = [await top('prompt-input'), await top('status-line'), await top('answer'), await top('decision-tier')]
    expect(prompt).toBeLessThan(status)
    expect(status).toBeLessThan(answer)
    expect(answer).toBeLessThan(decision)
    // The answer is near the top, not behind the Ollama panel.
    expect(answer).toBeLessThan(844 * 1.5)
    // The pathway and the live telemetry bar fit the phone: every phase with its time, the bar's figures on screen.
    await expect(page.getByTestId('pathway-ms-done')).toHaveText(/^\d+(\.\d+)? (ms|s)$/)
    await expect(page.getByTestId('pathway-node').last()).toHaveAttribute('data-tier', 'local')
    const bar = page.getByTestId('telemetry-bar')
    await expect(bar.getByTestId('bar-local-share')).toBeVisible()
    expect((await bar.boundingBox())!.width).toBeLessThanOrEqual(390)
    expect((await page.evaluate('document.documentElement.scrollWidth')) as number).toBeLessThanOrEqual(390)

    await expect(page.getByTestId('ollama-status')).toBeHidden()
    await expect(page.getByTestId('ollama-summary')).toHaveText(/detected · 1 model/i)
    await page.getByTestId('ollama-expand').click()
    await expect(page.getByTestId('ollama-status')).toBeVisible()

    const trace = page.getByTestId('trace-table')
    await expect(trace.locator('thead')).toHaveCSS('position', 'absolute') // visually hidden, still read out
    await expect(trace.locator('tbody tr').first()).toHaveCSS('display', 'block')
    await expect(trace.locator('tbody td[data-label="Reason"]').first()).toBeVisible()
    const box = (await trace.boundingBox())!
    expect(box.width).toBeLessThanOrEqual(390)
    await page.getByTestId('prompt-input').scrollIntoViewIfNeeded()
    await page.screenshot({ path: 'e2e/artifacts/phone.png' })
    await page.getByTestId('decision-tier').scrollIntoViewIfNeeded()
    await page.screenshot({ path: 'e2e/artifacts/phone-decision.png' })
  })

  test('the pathway moves in CSS and holds still under prefers-reduced-motion', async ({ page }) => {
    const runAndCheckAnimation = async (expected: string) => {
      ollama.setFault({ kind: 'slowFirstToken', delayMs: 30_000, times: 1 })
      await page.goto(host.url)
      await page.getByTestId('prompt-input').fill(LOCAL_PROMPT)
      await page.getByTestId('run-button').click()
      await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'generating')
      await expect(page.locator('.path-link-live').first()).toHaveCSS('animation-name', expected)
      await page.keyboard.press('Escape')
      await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', 'aborted')
    }
    await runAndCheckAnimation('path-flow')
    await page.emulateMedia({ reducedMotion: 'reduce' })
    await runAndCheckAnimation('none')
  })
})
