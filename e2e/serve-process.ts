// Test support: `routellm serve` and CLI one-shots as a user runs them, each in a fresh
// process (tsx, the real bin entry) on a data folder the test chooses. Never imported by product code.
import { spawn, type ChildProcess } from 'node:child_process'

const BIN = ['--import', 'tsx', 'electron/server/bin.ts']

export interface ServeProcess {
  origin: string
  token: string
  pid: number
  /** POST /api/rpc/<channel>; resolves with the parsed body, throws on a non-2xx status. */
  rpc<T = unknown>(channel: string, input?: unknown): Promise<T>
  /** POST /v1/chat/completions (non-streaming); resolves with the status and the parsed body. */
  complete(model: string, prompt: string): Promise<{ status: number; body: Record<string, unknown> }>
  output(): string
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>
  /** kill -9: no shutdown code runs. */
  kill9(): Promise<void>
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** Start `routellm serve --port 0` with ROUTELLM_HOME=home and wait for its dashboard line. */
export async function startServe(home: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...BIN, 'serve', '--port', '0'], {
    env: { ...process.env, ...env, ROUTELLM_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000)
    const onData = () => {
      const match = /RouteLLM dashboard: (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}:\n${output}`))
    })
  })
  const parsed = new URL(url)
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? ''
  const post = (path: string, body: unknown) =>
    fetch(`${parsed.origin}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    })
  return {
    origin: parsed.origin,
    token,
    pid: child.pid!,
    async rpc<T>(channel: string, input: unknown = {}): Promise<T> {
      const res = await post(`/api/rpc/${channel}`, input)
      const body = (await res.json()) as T
      if (!res.ok) throw new Error(`${channel}: ${res.status} ${JSON.stringify(body)}`)
      return body
    },
    async complete(model, prompt) {
      const res = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: prompt }] })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    },
    output: () => output,
    async stop() {
      const done = exited(child)
      child.kill('SIGTERM')
      return done
    },
    async kill9() {
      const done = exited(child)
      child.kill('SIGKILL')
      await done
    },
  }
}

/** One CLI run (`routellm <args…>`) in a fresh process; `signal` ends it (SIGTERM) if it is still running. */
export function runCli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...BIN, ...args], {
    env: { ...process.env, ...env, ROUTELLM_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(signal ? { signal } : {}),
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  // A process that could not start fails the run; the abort's own error is not a failure (its exit follows).
  const failed = new Promise<never>((_, reject) => child.once('error', (error) => (signal?.aborted ? undefined : reject(error))))
  return Promise.race([exited(child).then((code) => ({ code, stdout, stderr })), failed])
}

/** `serve` processes started for one test file; stopAll() after each test ends every one still running. */
export function serveFleet(): { start(home: string, env: Record<string, string>): Promise<ServeProcess>; stopAll(): Promise<void> } {
  const running: ServeProcess[] = []
  return {
    async start(home, env) {
      const host = await startServe(home, env)
      running.push(host)
      return host
    },
    async stopAll() {
      await Promise.all(running.splice(0).map((host) => host.stop()))
    },
  }
}
