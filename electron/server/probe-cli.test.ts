// The local self-check, black-box: the real `routellm` command in a fresh process with a
// fresh data folder, against the Ollama double scripted to fail the maths probes.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../e2e/serve-process'
import { startOllamaDouble, type OllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'
import { probeScript } from '../../test/support/probe-script'

const SLOW = 120_000
// Near the threshold: the local tier answers it until the self-check finds the model weak at maths.
const MATHS = 'What is the area of a circle with radius 3?'
const SMALL_TALK = 'Hello there, how are you doing today?'

type RouteJson = { tier: string; complexity: number; explanation: string; trace: Array<{ pillar: string; reason: string; detail?: Record<string, unknown> }> }

let ollama: OllamaDouble
let cloud: OpenAIDouble
beforeAll(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], script: probeScript(['maths']) })
  cloud = await startOpenAIDouble({ apiKey: 'sk-probe-cli' })
})
afterAll(async () => {
  await ollama.close()
  await cloud.close()
})

const freshHome = () => mkdtempSync(join(tmpdir(), 'routellm-probe-cli-'))

describe('routellm probe (fresh process, fresh data folder)', () => {
  it('with maths probes failing, moves maths prompts toward the cloud and leaves small talk local', { timeout: SLOW }, async () => {
    const home = freshHome()
    // Both tiers configured, so the tier is the index's to choose.
    const env = { OLLAMA_HOST: ollama.url, ROUTELLM_CLOUD_BASE_URL: cloud.url, ROUTELLM_CLOUD_API_KEY: 'sk-probe-cli', ROUTELLM_CLOUD_MODEL: 'gpt-4o' }
    const route = async (prompt: string) => {
      const run = await runCli(home, ['route', prompt, '--json'], env)
      expect(run.code, run.stderr).toBe(0)
      return JSON.parse(run.stdout) as RouteJson
    }
    const mathsBefore = await route(MATHS)
    expect(mathsBefore.tier).toBe('local')
    const smallTalkBefore = await route(SMALL_TALK)

    const probe = await runCli(home, ['probe', '--json'], env)
    expect(probe.code, probe.stderr).toBe(0)
    expect(probe.stderr).toMatch(/\[ ?1\/48\] (pass|FAIL) /)
    expect(probe.stderr).toMatch(/FAIL {2}maths +maths-apples: answered 14, expected 12/)
    const report = JSON.parse(probe.stdout) as {
      results: { model: string; clusters: Array<{ cluster: string; passed: number; run: number }> }
      offsets: Array<{ cluster: string; points: number }>
    }
    expect(report.results.model).toBe('llama3.2:3b')
    expect(report.results.clusters.find((c) => c.cluster === 'maths')).toMatchObject({ passed: 0, run: 8 })
    expect(report.offsets).toEqual([{ cluster: 'maths', points: 20, reason: 'the local model (llama3.2:3b) passed 0 of 8 maths probes' }])
    expect(existsSync(join(home, 'probe-results.json'))).toBe(true)

    const mathsAfter = await route(MATHS)
    const smallTalkAfter = await route(SMALL_TALK)
    expect(mathsAfter.complexity).toBeGreaterThan(mathsBefore.complexity)
    expect(mathsAfter.tier).toBe('cloud')
    expect(mathsAfter.explanation).toContain("+20 for cluster 'Maths problems': the local model (llama3.2:3b) passed 0 of 8 maths probes")
    expect(smallTalkAfter.tier).toBe('local')
    expect(smallTalkAfter.complexity).toBe(smallTalkBefore.complexity)
    expect(smallTalkAfter.explanation).not.toContain('probes')
  })

  it('Ctrl-C stops cleanly: exit 130, a plain message, nothing saved', { timeout: SLOW }, async () => {
    const home = freshHome()
    const slow = await startOllamaDouble({ models: ['llama3.2:3b'], script: probeScript([]), tokenDelayMs: 200 })
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', 'probe'], {
        env: { ...process.env, ROUTELLM_HOME: home, OLLAMA_HOST: slow.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      let stdout = ''
      let interrupted = false
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
      child.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString()
        // One Ctrl-C, as a user presses it (a second would end the process the hard way).
        if (!interrupted && /\[ ?1\/48\]/.test(stderr)) interrupted = child.kill('SIGINT')
      })
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
      expect(code, stderr).toBe(130)
      expect(stderr).toContain('self-check stopped: nothing was saved')
      expect(stderr).not.toMatch(/\n\s+at /)
      expect(stdout).toBe('')
      expect(existsSync(join(home, 'probe-results.json'))).toBe(false)
    } finally {
      await slow.close()
    }
  })

  it('says plainly when Ollama is not there or the model is missing (exit 1), and rejects stray arguments (exit 2)', { timeout: SLOW }, async () => {
    const home = freshHome()
    const missing = await runCli(home, ['probe', '--model', 'nope:7b'], { OLLAMA_HOST: ollama.url })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('routellm probe: model "nope:7b" is not installed in Ollama (installed: llama3.2:3b)')
    expect((await runCli(home, ['probe', 'extra'], { OLLAMA_HOST: ollama.url })).code).toBe(2)
    const away = await runCli(home, ['probe', '--ollama-host', 'http://127.0.0.1:1'], {})
    expect(away.code).toBe(1)
    expect(away.stderr).toContain('routellm probe: Ollama is not running or not reachable (tried http://127.0.0.1:1)')
    expect(existsSync(join(home, 'probe-results.json'))).toBe(false)
  })
})
