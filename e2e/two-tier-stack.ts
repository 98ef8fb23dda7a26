import { expect, type Page } from '@playwright/test'
import { startOllamaDouble, type OllamaDouble } from './doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from './doubles/openai-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * The setup several dashboard specs share: a real headless host configured the quick way
 * (environment variables) with one local Ollama double and one OpenAI-compatible cloud double,
 * each answering with a fixed text so a test can tell who answered.
 */
export const CLOUD_KEY = 'sk-test-double'
export const LOCAL_ANSWER = 'Answered on this machine by the local model.'
export const CLOUD_ANSWER = 'Answered by the cloud model.'
/** Mathematics + proof: the rules and semantic pillars send this to the cloud. */
export const CLOUD_PROMPT =
  'Prove that the square root of 2 is irrational, then generalise the proof to any non-square integer and relate it to the fundamental theorem of arithmetic.'

export interface TwoTierStack {
  ollama: OllamaDouble
  cloud: OpenAIDouble
  host: RunningHost
  /** Stops the host, then both doubles (a double a test already closed is fine). */
  stop(): Promise<void>
}

export async function startTwoTierStack(opts: { tokenDelayMs?: number; prepare?: (dataDir: string) => void } = {}): Promise<TwoTierStack> {
  const ollama = await startOllamaDouble({
    models: [{ name: 'llama3.2:3b', family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M' }],
    ...(opts.tokenDelayMs !== undefined ? { tokenDelayMs: opts.tokenDelayMs } : {}),
    reply: () => LOCAL_ANSWER,
  })
  const cloud = await startOpenAIDouble({ apiKey: CLOUD_KEY, models: ['gpt-4o-mini'], reply: () => CLOUD_ANSWER })
  const host = await startHeadlessHost(
    { OLLAMA_HOST: ollama.url, ROUTELLM_CLOUD_BASE_URL: cloud.url, ROUTELLM_CLOUD_API_KEY: CLOUD_KEY, ROUTELLM_CLOUD_MODEL: 'gpt-4o-mini' },
    opts.prepare ? { prepare: opts.prepare } : {},
  )
  return {
    ollama,
    cloud,
    host,
    async stop() {
      await host.stop()
      await cloud.close()
      await ollama.close()
    },
  }
}

/** Types a prompt, presses ROUTE & RUN and waits until the run has ended (done or error). */
export async function ask(page: Page, prompt: string): Promise<void> {
  await page.getByTestId('prompt-input').fill(prompt)
  await page.getByTestId('run-button').click()
  await expect(page.getByTestId('status-line')).toHaveAttribute('data-phase', /^(done|error)$/, { timeout: 20_000 })
}
