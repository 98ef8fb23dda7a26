import { mkdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ReadStream } from 'node:tty'
import { EndpointId } from '../../../shared/endpoints'
import { ApiKey, MAX_KEYS_FILE_CHARS, type KeyStatus } from '../../../shared/keys'
import { resolveDataDir } from '../../core/lib/data-dir'
import { envKeyName } from '../../core/keys/env-keys'
import type { KeyStore } from '../../core/keys/key-store'
import { writeFileAtomic } from '../../core/lib/atomic-file'
import type { ConnectionTestOptions } from '../../core/settings/connection-test'
import { EndpointsService } from '../../core/settings/endpoints-service'
import { safeName } from '../../core/lib/json-errors'
import { UsageError, type CliCommand, type CliContext } from './command'
import { parseFlags } from './flags'
import { tableLines } from './text-table'

const USAGE = [
  'keys <list|set|rm|test|import|export> …',
  '  keys list [--json]          endpoints and whether each has a key (never the key)',
  '  keys set <endpoint>         store a key in the OS keychain, read from stdin (never from the command line)',
  "  keys rm <endpoint>          remove an endpoint's key from the keychain",
  '  keys test <endpoint>        list the endpoint\'s models with its key ("test connection")',
  '  keys import <file|->        add the endpoints of a routellm-keys.json; its keys go into the keychain',
  '  keys export <file|->        write the endpoints as routellm-keys.json, without keys',
].join('\n')

const MAX_STDIN_BYTES = 64 * 1024

export interface KeysCommandDeps {
  /** Tests only: the product keeps keys in the OS keychain. */
  keyStore?: KeyStore
  connection?: ConnectionTestOptions
}

function keyLabel(status: KeyStatus): string {
  if (status.state === 'set') return `set (${status.source ?? 'keychain'})`
  return status.state === 'unknown' ? 'unknown (keychain unavailable)' : 'not set'
}

function endpointArg(positionals: string[], sub: string): string {
  if (positionals.length === 0) throw new UsageError(`keys ${sub} needs an endpoint id (see routellm keys list)`)
  if (positionals.length > 1) {
    // Never echo extra arguments: one of them may be a key typed on the command line.
    throw new UsageError(
      sub === 'set'
        ? 'keys set takes the endpoint id only: the key is read from stdin, never from the command line (it would stay in your shell history)'
        : `keys ${sub} takes one endpoint id`,
    )
  }
  const id = EndpointId.safeParse(positionals[0])
  if (!id.success) throw new UsageError(id.error.issues[0]?.message ?? 'not an endpoint id')
  return id.data
}

async function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > limit) throw new UsageError(`stdin holds more than ${limit} bytes`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Read a key typed at a terminal, without echoing it. */
function readHidden(tty: ReadStream, prompt: string, stderr: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let value = ''
    stderr.write(prompt)
    tty.setRawMode(true)
    tty.resume()
    tty.setEncoding('utf8')
    const done = (error: Error | null) => {
      tty.setRawMode(false)
      tty.pause()
      tty.removeListener('data', onData)
      stderr.write('\n')
      if (error) reject(error)
      else resolvePromise(value)
    }
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null)
        if (ch === '\u0003') return done(new Error('cancelled'))
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    tty.on('data', onData)
  })
}

async function readKey(ctx: CliContext, endpointId: string): Promise<string> {
  const tty = ctx.stdin as Partial<ReadStream>
  const raw =
    tty.isTTY && typeof tty.setRawMode === 'function'
      ? await readHidden(ctx.stdin as ReadStream, `API key for ${endpointId} (input hidden, Enter to finish): `, ctx.stderr)
      : await readAll(ctx.stdin, MAX_STDIN_BYTES)
  const key = ApiKey.safeParse(raw)
  if (!key.success) {
    throw new UsageError(
      `no usable key on stdin: ${key.error.issues[0]?.message ?? 'invalid'} (pipe it in, e.g. \`pass show openai | routellm keys set ${endpointId}\`)`,
    )
  }
  return key.data
}

async function readFileArg(ctx: CliContext, file: string): Promise<{ text: string; name: string }> {
  if (file === '-') return { text: await readAll(ctx.stdin, MAX_KEYS_FILE_CHARS), name: 'stdin' }
  let text: string
  try {
    text = readFileSync(resolve(file), 'utf8')
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error })
  }
  if (text.length > MAX_KEYS_FILE_CHARS) throw new Error(`${file} is larger than ${MAX_KEYS_FILE_CHARS} characters`)
  return { text, name: file }
}

/** `routellm keys …`: the key store and endpoint settings from a terminal. */
export function createKeysCommand(deps: KeysCommandDeps = {}): CliCommand {
  return {
    name: 'keys',
    summary: 'API keys (OS keychain) and endpoints: list, set (stdin), rm, test, import, export',
    usage: USAGE,
    async run(ctx) {
      const [sub, ...rest] = ctx.args
      const dataDir = resolveDataDir(ctx.env)
      const service = () => {
        mkdirSync(dataDir, { recursive: true })
        return new EndpointsService({
          dataDir,
          env: ctx.env,
          host: 'headless',
          ...(deps.keyStore ? { keyStore: deps.keyStore } : {}),
          ...(deps.connection ? { connection: deps.connection } : {}),
        })
      }
      const out = (line: string) => ctx.stdout.write(`${line}\n`)
      const note = (line: string) => ctx.stderr.write(`${line}\n`)

      switch (sub) {
        case 'list':
        case 'ls': {
          const { flags, positionals } = parseFlags(rest, { json: 'boolean' })
          if (positionals.length > 0) throw new UsageError('keys list takes no arguments')
          const overview = await service().list()
          if (flags.json) {
            out(JSON.stringify(overview, null, 2))
            return 0
          }
          if (overview.settings.problem) note(`warning: ${overview.settings.problem}`)
          if (!overview.keychain.available) note(`warning: ${overview.keychain.message}`)
          if (overview.endpoints.length === 0) out(`no endpoints configured (settings: ${overview.settings.file})`)
          else {
            const rows = [['ID', 'NAME', 'PROVIDER', 'TIER', 'KEY']]
            for (const e of overview.endpoints) rows.push([e.id, e.name, e.provider, e.tier, keyLabel(e.key)])
            out(tableLines(rows).join('\n'))
          }
          if (overview.orphanKeys.length > 0) out(`keys for no configured endpoint: ${overview.orphanKeys.join(', ')}`)
          const unused = overview.envKeys.filter((id) => !overview.endpoints.some((e) => e.id === id))
          if (unused.length > 0) out(`environment keys for no configured endpoint: ${unused.map(envKeyName).join(', ')}`)
          return 0
        }
        case 'set': {
          const { positionals } = parseFlags(rest, {})
          const id = endpointArg(positionals, 'set')
          const endpoints = service()
          if (!endpoints.isKnownId(id)) {
            throw new Error(
              `no endpoint "${safeName(id)}" is configured: add it first (the dashboard's Settings, or routellm keys import); presets: openai, featherless, openrouter`,
            )
          }
          await endpoints.vault.keychain.list() // fail on an unreachable keychain before asking for the key
          const status = await endpoints.setKey(id, await readKey(ctx, id))
          out(`stored the key for ${id} in the OS keychain`)
          if (status.source === 'env') note(`note: ${envKeyName(id)} is set in this environment and takes precedence on the headless host`)
          if (!endpoints.find(id))
            note(`note: ${id} is a preset that is not configured yet: add it in the dashboard's Settings (models, tier) or with routellm keys import`)
          return 0
        }
        case 'rm':
        case 'remove': {
          const { positionals } = parseFlags(rest, {})
          const id = endpointArg(positionals, 'rm')
          const { removed, status } = await service().removeKey(id)
          out(removed ? `removed the key for ${id} from the OS keychain` : `no key was stored for ${id} in the OS keychain`)
          if (status.source === 'env') note(`note: ${envKeyName(id)} still provides a key to this process`)
          return 0
        }
        case 'test': {
          const { positionals } = parseFlags(rest, {})
          const id = endpointArg(positionals, 'test')
          const result = await service().test(id)
          out(`${result.ok ? 'ok' : result.kind}: ${result.message}`)
          if (result.ok && result.models.length > 0) out(`models: ${result.models.slice(0, 20).join(', ')}${result.models.length > 20 ? ', …' : ''}`)
          return result.ok ? 0 : 1
        }
        case 'import': {
          const { positionals } = parseFlags(rest, {})
          if (positionals.length !== 1) throw new UsageError('keys import takes one file (or - for stdin)')
          const { text, name } = await readFileArg(ctx, positionals[0]!)
          const result = await service().importKeysFile(text, name)
          out(`imported ${result.endpoints.length} endpoint(s)${result.endpoints.length ? `: ${result.endpoints.join(', ')}` : ''}`)
          if (result.keysStored.length > 0) out(`stored ${result.keysStored.length} key(s) in the OS keychain: ${result.keysStored.join(', ')}`)
          for (const warning of result.warnings) note(`warning: ${warning}`)
          return 0
        }
        case 'export': {
          const { positionals } = parseFlags(rest, {})
          if (positionals.length !== 1) throw new UsageError('keys export takes one file (or - for stdout)')
          const exported = service().exportKeysFile()
          if (positionals[0] === '-') ctx.stdout.write(exported.content)
          else {
            writeFileAtomic(resolve(positionals[0]!), exported.content, 0o644)
            out(`wrote ${exported.endpoints} endpoint(s) to ${positionals[0]} (no keys: they stay in the OS keychain)`)
          }
          return 0
        }
        default:
          throw new UsageError(sub ? `unknown keys command "${safeName(sub)}"` : 'which keys command?')
      }
    },
  }
}

export const keysCommand = createKeysCommand()
