import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RunningHost {
  url: string
  /** Base URL without the fragment, for API calls. */
  origin: string
  token: string
  dataDir: string
  /** The serve process, e.g. to read its memory from /proc/<pid>/status. */
  pid: number
  stop(): Promise<void>
  output(): string
}

/**
 * Start `routellm serve --port 0` as a user would (the real CLI in a child process) and
 * wait for the one line that prints the dashboard URL.
 */
export async function startHeadlessHost(
  env: Record<string, string> = {},
  options: { args?: string[]; prepare?: (dataDir: string) => void } = {},
): Promise<RunningHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'routellm-e2e-'))
  options.prepare?.(dataDir)
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', 'serve', '--port', '0', ...(options.args ?? [])], {
    // A live double answers at once; the long probe bound keeps a loaded machine from calling it down.
    env: { ...process.env, ROUTELLM_HOME: dataDir, ROUTELLM_OLLAMA_PROBE_TIMEOUT_MS: '10000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headless host did not start:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /RouteLLM dashboard: (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`headless host exited with ${code}:\n${output}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '',
    dataDir,
    pid: child.pid!,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
