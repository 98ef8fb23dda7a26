// A new user's first prompts, black-box: the real `routellm` command (bin/routellm.js) in a
// fresh process with a fresh data folder, an Ollama double on OLLAMA_HOST and an OpenAI
// double on ROUTELLM_CLOUD_*. The first decision of a process must wait for discovery, so
// the very first greeting goes to the running Ollama, not to the paid cloud.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../e2e/doubles/openai-double'

const BIN = fileURLToPath(new URL('../../bin/routellm.js', import.meta.url))
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url))
const CLOUD_KEY = 'sk-first-run'
const LOCAL_ANSWER = 'Hello from the local model.'
const CLOUD_ANSWER = 'There are infinitely many primes, says the cloud.'
const HARD = 'Prove that there are infinitely many primes and explain the reasoning in detail step by step'
/** A line of a JavaScript stack trace ("    at fn (file:1:2)"). */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m
const SLOW = 120_000

let ollama: OllamaDouble
let cloud: OpenAIDouble
/** The Ollama double behind a proxy that answers /api/tags late, as a busy Ollama does. */
let slowDiscovery: { url: string; close(): Promise<void> }
const homes: string[] = []
const children: ChildProcess[] = []

function freshEnv(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'routellm-first-run-'))
  homes.push(home)
  // Nothing from the machine's own configuration may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROUTELLM_') && k !== 'OLLAMA_HOST'))
  return {
    ...env,
    ROUTELLM_HOME: home,
    OLLAMA_HOST: slowDiscovery.url,
    ROUTELLM_CLOUD_BASE_URL: cloud.url,
    ROUTELLM_CLOUD_API_KEY: CLOUD_KEY,
    ROUTELLM_CLOUD_MODEL: 'gpt-4o',
    // The model list comes late on purpose; a loaded machine must not turn that into "down".
    ROUTELLM_OLLAMA_PROBE_TIMEOUT_MS: '10000',
  }
}

function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; command?: string[]; cwd?: string } = {}) {
  const [file, ...pre] = options.command ?? [process.execPath, BIN]
  const child = spawn(file!, [...pre, ...args], { cwd: options.cwd ?? tmpdir(), env: options.env ?? freshEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function chatJson(prompt: string) {
  const run = await runCli(['chat', prompt, '--json'])
  expect(run.code, run.stderr).toBe(0)
  const report = JSON.parse(run.stdout) as {
    phase: string
    servedBy: { tier: string; endpoint: string } | null
    answer: string
    decision: { tier: string; pinned: string | null }
  }
  return { ...run, report }
}

/**
 * Forwards to `target`, holding the model list back for `delayMs` (well inside the probe
 * timeout): a decision that does not wait for discovery finds no local model yet.
 */
async function lateModelList(target: string, delayMs: number) {
  const upstream = new URL(target)
  const server = http.createServer((req, res) => {
    const forward = () => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      out.on('error', () => res.destroy())
      req.pipe(out)
    }
    if (req.url?.startsWith('/api/tags')) setTimeout(forward, delayMs)
    else forward()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

beforeAll(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:3b'], reply: () => LOCAL_ANSWER })
  cloud = await startOpenAIDouble({ apiKey: CLOUD_KEY, models: ['gpt-4o'], reply: () => CLOUD_ANSWER })
  slowDiscovery = await lateModelList(ollama.url, 700)
})

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
})

afterAll(async () => {
  await slowDiscovery.close()
  await Promise.all([ollama.close(), cloud.close()])
  for (const home of homes) rmSync(home, { recursive: true, force: true })
})

describe('routellm chat, the first prompt of a fresh install', () => {
  it('answers the very first greeting with Ollama, and stderr stays clean', { timeout: SLOW }, async () => {
    const chatsBefore = ollama.requestsTo('/api/chat').length
    const cloudBefore = cloud.requestsTo('/v1/chat/completions').length
    const { report, stderr } = await chatJson('hi!')
    expect(report).toMatchObject({ phase: 'done', servedBy: { tier: 'local', endpoint: 'ollama' }, answer: LOCAL_ANSWER })
    expect(report.decision.pinned).not.toBe('health')
    expect(ollama.requestsTo('/api/chat').length).toBe(chatsBefore + 1)
    expect(cloud.requestsTo('/v1/chat/completions').length).toBe(cloudBefore)
    expect(stderr).toBe('')
  })

  it('sends a hard first prompt to the cloud', { timeout: SLOW }, async () => {
    const { report, stderr } = await chatJson(HARD)
    expect(report).toMatchObject({ phase: 'done', servedBy: { tier: 'cloud', endpoint: 'cloud' }, answer: CLOUD_ANSWER })
    expect(stderr).not.toMatch(STACK_LINE)
  })

  it('answers the hard prompt with Ollama while the cloud is down, without a stack trace', { timeout: SLOW }, async () => {
    await cloud.stop()
    try {
      const { report, stderr } = await chatJson(HARD)
      expect(report).toMatchObject({ phase: 'done', servedBy: { tier: 'local', endpoint: 'ollama' }, answer: LOCAL_ANSWER })
      expect(stderr).not.toMatch(STACK_LINE)
    } finally {
      await cloud.restart()
    }
  })
})

describe('routellm route, a one-shot decision', () => {
  it('names the discovered local model for a greeting and the cloud model for a hard prompt', { timeout: SLOW }, async () => {
    const [easy, hard] = await Promise.all([runCli(['route', 'hi!', '--json']), runCli(['route', HARD, '--json'])])
    expect(easy.code, easy.stderr).toBe(0)
    expect(JSON.parse(easy.stdout)).toMatchObject({ tier: 'local', endpoint: 'ollama', model: 'llama3.2:3b' })
    expect(JSON.parse(hard.stdout)).toMatchObject({ tier: 'cloud', endpoint: 'cloud', model: 'gpt-4o', pinned: null })
    expect(easy.stderr + hard.stderr).toBe('')
  })
})

describe('routellm serve, the first prompt right after the URL is printed', () => {
  it('routes the first greeting to Ollama and the first hard prompt to the cloud', { timeout: SLOW }, async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: tmpdir(), env: freshEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    const url = await new Promise<URL>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString()
        const match = /RouteLLM dashboard: (http:\/\/\S+)/.exec(out)
        if (match?.[1]) resolve(new URL(match[1]))
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
    })
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!
    const ask = async (prompt: string) => {
      const res = await fetch(`${url.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'routellm/auto', messages: [{ role: 'user', content: prompt }] }),
      })
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> }
      return {
        status: res.status,
        tier: res.headers.get('x-routellm-tier'),
        endpoint: res.headers.get('x-routellm-endpoint'),
        text: body.choices[0]?.message.content,
      }
    }
    expect(await ask('hi!')).toEqual({ status: 200, tier: 'local', endpoint: 'ollama', text: LOCAL_ANSWER })
    expect(await ask(HARD)).toEqual({ status: 200, tier: 'cloud', endpoint: 'cloud', text: CLOUD_ANSWER })
    expect(stderr).not.toMatch(STACK_LINE)
  })
})

describe('the routellm command from a checkout', () => {
  it('`npx routellm doctor` runs the checks from the repository folder', { timeout: SLOW }, async () => {
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
    const run = await runCli(['doctor'], { command: [npx, '--no-install', 'routellm'], cwd: CHECKOUT })
    expect(run.stdout).toMatch(/ollama/i)
    expect(run.stdout).toMatch(/\b(ok|warn|fail)\b/)
    expect(run.stderr).not.toMatch(STACK_LINE)
    expect([0, 1]).toContain(run.code)
  })

  it('runs from any folder through the bin script', { timeout: SLOW }, async () => {
    const run = await runCli(['--help'], { cwd: tmpdir() })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^usage: routellm <command>/)
    expect(run.stdout).toMatch(/npx routellm/)
  })
})
