// The processes of the gateway benches: the upstream OpenAI double, RouteLLM's `serve` with a
// fresh data folder, and what /proc says of them (CPU time, RSS). Shared by
// bench/gateway.bench.ts and bench/serve-profile.ts.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const UPSTREAM_KEY = 'sk-bench'
export const UPSTREAM_MODEL = 'gpt-4o-mini'

const children: ChildProcess[] = []

/** Starts a node child and resolves with the first stdout match of `ready`. */
export function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ child, match })
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)))
  })
}

/** The upstream double in a process of its own; resolves with its base URL (with /v1). */
export async function startUpstream(port?: string): Promise<string> {
  const args = ['--import', 'tsx', 'bench/gateway-upstream.ts', '--key', UPSTREAM_KEY, '--model', UPSTREAM_MODEL, ...(port ? ['--port', port] : [])]
  return (await startChild(args, process.env, /upstream (\S+)\n/)).match[1]!
}

/**
 * `routellm serve` as a user starts it (bin/routellm.js), on a fresh data folder, forwarding
 * its cloud tier to `upstream` (no Ollama: OLLAMA_HOST points at a closed port).
 */
export async function startServe(
  upstream: string,
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; pid: number | undefined; baseUrl: string; key: string; home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'routellm-bench-'))
  const key = randomBytes(16).toString('hex')
  const serve = await startChild(
    [...nodeArgs, 'bin/routellm.js', 'serve', '--port', '0'],
    {
      ...process.env,
      ROUTELLM_HOME: home,
      ROUTELLM_GATEWAY_KEY: key,
      ROUTELLM_CLOUD_BASE_URL: upstream,
      ROUTELLM_CLOUD_API_KEY: UPSTREAM_KEY,
      ROUTELLM_CLOUD_MODEL: UPSTREAM_MODEL,
      // No Ollama here: routellm/auto still runs every pillar, then health sends local-tier prompts to the cloud.
      OLLAMA_HOST: '127.0.0.1:1',
      ...env,
    },
    /RouteLLM dashboard: http:\/\/([^/\s]+)\//,
  )
  return { child: serve.child, pid: serve.child.pid, baseUrl: `http://${serve.match[1]}/v1`, key, home }
}

/** SIGTERM every child and wait for it to exit (a gateway writes its state on shutdown); then remove `homes`. */
export async function stopChildren(homes: string[] = []): Promise<void> {
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM'))) : null)))
  for (const home of homes) rmSync(home, { recursive: true, force: true })
}

/** Kills what is still running (a bench that failed). */
export function killChildren(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
}

/** User + system CPU time of a process in ms (Linux /proc), or null where that cannot be read. */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/** Resident set of a process in MiB (Linux /proc), or null where that cannot be read. */
export function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : null
  } catch {
    return null
  }
}
