import { _electron as electron, expect, test } from '@playwright/test'
import { findElectronBinary, NO_ELECTRON_MESSAGE } from '../scripts/electron-binary'
import { startOllamaDouble } from './doubles/ollama-double'

const binary = findElectronBinary()
if (!binary) console.log(`[electron.spec] skipped: ${NO_ELECTRON_MESSAGE.split('\n')[0]}`)

test.describe('desktop app (Electron)', () => {
  test.skip(!binary, 'no Electron binary installed here (ELECTRON_SKIP_BINARY_DOWNLOAD=1); the browser e2e covers the dashboard')

  test('opens a sandboxed window whose dashboard reaches the engine over IPC', async () => {
    const ollama = await startOllamaDouble({ models: ['llama3.2:1b'] })
    const app = await electron.launch({
      executablePath: binary!,
      args: ['out/main/index.js'],
      env: { ...process.env, OLLAMA_HOST: ollama.url, ROUTELLM_HOME: test.info().outputPath('home') },
    })
    try {
      const page = await app.firstWindow()
      await expect(page.getByTestId('ollama-status')).toContainText('llama3.2:1b')
      // No Node in the renderer: the only bridge is the contract client.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
      await page.getByTestId('prompt-input').fill('hello')
      await page.getByTestId('run-button').click()
      await expect(page.getByTestId('status-line')).toContainText(/done/i)
    } finally {
      await app.close()
      await ollama.close()
    }
  })
})
