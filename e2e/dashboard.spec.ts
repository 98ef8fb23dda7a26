import { expect, test } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

test.describe('dashboard on the headless host, Ollama double running', () => {
  let ollama: OllamaDouble
  let host: RunningHost

  test.beforeAll(async () => {
    ollama = await startOllamaDouble({
      models: [{ name: 'llama3.2:1b', family: 'llama', parameterSize: '1.2B', quantization: 'Q8_0' }],
      version: '0.12.3',
      tokenDelayMs: 15,
      reply: () => 'Hello! I am answering from your own machine, one token at a time.',
    })
    host = await startHeadlessHost({ OLLAMA_HOST: ollama.url })
  })
  test.afterAll(async () => {
    await host?.stop()
    await ollama?.close()
  })

  test('a typed prompt is routed local, explained, and its answer streams in', async ({ page }) => {
    await page.goto(host.url)
    await expect(page.getByTestId('ollama-status')).toContainText('llama3.2:1b')
    await expect(page.getByTestId('ollama-status')).toContainText('0.12.3')
    // The token leaves the address bar once read.
    await expect.poll(() => page.url()).not.toContain('token=')

    await page.getByTestId('prompt-input').fill('hello there!')
    await page.getByTestId('run-button').click()
    await expect(page.getByTestId('decision-tier')).toContainText(/local/i)
    await expect(page.getByTestId('decision-model')).toContainText('llama3.2:1b')
    await expect(page.getByTestId('decision-explanation')).not.toBeEmpty()
    await expect(page.getByTestId('trace-table')).toContainText(/rules/i)
    await expect(page.getByTestId('answer')).toHaveText('Hello! I am answering from your own machine, one token at a time.')
    await expect(page.getByTestId('status-line')).toContainText(/done/i)
    await page.screenshot({ path: 'e2e/artifacts/dashboard.png', fullPage: true })

    const chat = ollama.requestsTo('/api/chat').at(-1)
    expect(chat?.body).toMatchObject({ model: 'llama3.2:1b', stream: true })
  })

  test('stop ends a streaming answer early', async ({ page }) => {
    ollama.tokenDelayMs = 200
    try {
      await page.goto(host.url)
      await page.getByTestId('prompt-input').fill('hi, write me something long')
      await page.getByTestId('run-button').click()
      await expect(page.getByTestId('stop-button')).toBeEnabled()
      await expect(page.getByTestId('answer')).not.toBeEmpty()
      await page.getByTestId('stop-button').click()
      await expect(page.getByTestId('status-line')).toContainText(/aborted|stopped/i)
      const partial = await page.getByTestId('answer').textContent()
      expect(partial!.length).toBeLessThan('Hello! I am answering from your own machine, one token at a time.'.length)
    } finally {
      ollama.tokenDelayMs = 15
    }
  })

  test('simulate shows a decision without generating anything', async ({ page }) => {
    const before = ollama.requestsTo('/api/chat').length
    await page.goto(host.url)
    await page.getByTestId('prompt-input').fill('thanks!')
    await page.getByTestId('simulate-button').click()
    await expect(page.getByTestId('decision-tier')).toContainText(/local/i)
    expect(ollama.requestsTo('/api/chat').length).toBe(before)
  })
})

test.describe('dashboard on the headless host, no Ollama anywhere', () => {
  let host: RunningHost
  let deadUrl: string
  test.beforeAll(async () => {
    // A port that was just free: nothing answers there.
    const gone = await startOllamaDouble()
    deadUrl = gone.url
    await gone.close()
    host = await startHeadlessHost({ OLLAMA_HOST: deadUrl })
  })
  test.afterAll(async () => host?.stop())

  test('says Ollama is not detected and lists where it looked', async ({ page }) => {
    await page.goto(host.url)
    const status = page.getByTestId('ollama-status')
    await expect(status).toContainText(/not detected/i)
    await expect(status).toContainText(deadUrl)
    await expect(status).toContainText('connection refused')
    await expect(status).toContainText('http://127.0.0.1:11434')
    await page.screenshot({ path: 'e2e/artifacts/dashboard-no-ollama.png', fullPage: true })
  })

  test('a prompt ends with a clear error instead of hanging', async ({ page }) => {
    await page.goto(host.url)
    await page.getByTestId('prompt-input').fill('hello')
    await page.getByTestId('run-button').click()
    await expect(page.getByTestId('status-line')).toContainText(/error/i)
    await expect(page.getByText(/ollama/i).first()).toBeVisible()
  })
})
