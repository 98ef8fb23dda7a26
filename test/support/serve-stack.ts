import { afterAll, afterEach, beforeAll } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'
import { runCli, serveFleet, type ServeProcess } from '../../e2e/serve-process'

export interface ServeStack {
  readonly ollama: OllamaDouble
  /** The cloud double (one model, `gpt-big`); its `requests` show what reached the cloud. */
  readonly cloud: OpenAIDouble
  /** Points a host at the doubles; state is synced every `syncMs`. */
  readonly env: Record<string, string>
  /** `routellm serve` on `home`, stopped after the test. */
  serve(home: string): Promise<ServeProcess>
  /** A CLI one-shot on `home`, with the same environment. */
  cli(home: string, args: string[]): ReturnType<typeof runCli>
}

/**
 * For black-box suites of fresh `serve` and CLI processes on data folders the tests choose:
 * an Ollama double and an OpenAI double started once per file, the environment that points
 * the processes at them, and the hooks that stop every host after each test. Call it at the
 * top level of a test file.
 */
export function useServeStack(opts: { key: string; cloudReply: string; syncMs: number }): ServeStack {
  const fleet = serveFleet()
  let ollama: OllamaDouble | undefined
  let cloud: OpenAIDouble | undefined
  const env: Record<string, string> = {}
  beforeAll(async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:1b'], reply: () => 'Local answer.' })
    cloud = await startOpenAIDouble({ apiKey: opts.key, models: ['gpt-big'], reply: () => opts.cloudReply })
    Object.assign(env, {
      OLLAMA_HOST: ollama.url,
      ROUTELLM_CLOUD_BASE_URL: cloud.url,
      ROUTELLM_CLOUD_API_KEY: opts.key,
      ROUTELLM_CLOUD_MODEL: 'gpt-big',
      ROUTELLM_STATE_SYNC_MS: String(opts.syncMs),
    })
  })
  afterEach(() => fleet.stopAll())
  afterAll(async () => {
    await Promise.all([ollama?.close(), cloud?.close()])
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the serve stack starts in beforeAll: use it inside a test')
    return value
  }
  return {
    get ollama() {
      return started(ollama)
    },
    get cloud() {
      return started(cloud)
    },
    env,
    serve: (home) => fleet.start(home, env),
    cli: (home, args) => runCli(home, args, env),
  }
}
