import type { ChatStatus } from '../../../shared/chat'
import { complexityScored, type Decision, type Tier } from '../../../shared/decision'
import type { ChatResult, ChatService } from '../../core/chat/chat-service'
import type { ServicesOptions } from '../../core/services'
import { UsageError, type CliCommand, type CliContext } from './command'
import { parseFlags } from './flags'

/** What `chat` needs from the host wiring (createServices in production, a stand-in in tests). */
export interface ChatCommandServices {
  chat: Pick<ChatService, 'generate'>
  close(): Promise<void>
}

export interface ChatCommandDeps {
  createServices?: (options: ServicesOptions) => Promise<ChatCommandServices>
  /** Process signals to stop on (default SIGINT, SIGTERM). */
  signals?: NodeJS.Signals[]
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

function parseTier(value: string | boolean | undefined): Tier | undefined {
  if (value === undefined) return undefined
  if (value === 'local' || value === 'cloud') return value
  throw new UsageError(`--tier must be local or cloud, not "${String(value)}"`)
}

function routeLine(d: Decision): string {
  const where = d.model ? ` → ${d.endpoint} · ${d.model}` : ''
  const complexity = complexityScored(d) ? `complexity ${d.complexity}/${d.threshold}` : 'complexity not scored'
  return `[${d.tier}${where}] ${complexity}${d.pinned ? `, pinned: ${d.pinned}` : ''} — ${d.explanation}\n`
}

function jsonReport(result: ChatResult, answer: string) {
  return {
    phase: result.phase,
    decision: result.decision,
    servedBy: result.servedBy ? { tier: result.servedBy.tier, endpoint: result.servedBy.endpoint, model: result.servedBy.model } : null,
    answer,
    hops: result.hops,
    usage: result.usage,
    costUsd: result.usage?.costUsd ?? 0,
    ...(result.error ? { error: result.error } : {}),
    ...(result.interrupted ? { interrupted: true } : {}),
  }
}

/**
 * `routellm chat "<prompt>" [--json] [--tier local|cloud]`: route, generate and stream the
 * answer to stdout. Routing and failover notes go to stderr, so stdout is the answer alone;
 * an answer cut off mid-stream ends with a visible marker line. --json prints one object
 * {phase, decision, servedBy, answer, hops, usage, costUsd, error?, interrupted?}.
 * Exit code 0 answered, 1 error, 130 stopped (Ctrl-C).
 */
export function createChatCommand(deps: ChatCommandDeps = {}): CliCommand {
  return {
    name: 'chat',
    summary: 'route one prompt, generate the answer (local or cloud, with failover) and stream it',
    usage: 'chat "<prompt>" | - [--json] [--tier local|cloud]',
    async run(ctx: CliContext) {
      const { flags, positionals } = parseFlags(ctx.args, { json: 'boolean', tier: 'string' })
      const fromStdin = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-')
      const prompt = fromStdin ? await readStdin(ctx.stdin) : positionals.join(' ')
      if (prompt.trim().length === 0) throw new UsageError('give a prompt as an argument, or pipe it in with "-"')
      const tier = parseTier(flags.tier)
      const json = flags.json === true

      const make = deps.createServices ?? (async (options: ServicesOptions) => (await import('../../core/services')).createServices(options))
      const services = await make({ host: 'headless', env: ctx.env, log: (line) => ctx.stderr.write(`${line}\n`) })
      const controller = new AbortController()
      const stop = () => controller.abort()
      const signals = deps.signals ?? ['SIGINT', 'SIGTERM']
      for (const s of signals) process.once(s, stop)
      let answer = ''
      try {
        const result = await services.chat.generate(
          { prompt, ...(tier ? { tier } : {}) },
          {
            signal: controller.signal,
            onToken: (text) => {
              answer += text
              if (!json) ctx.stdout.write(text)
            },
            onStatus: (status: ChatStatus) => {
              if (json) return
              if (status.phase === 'routing' && status.decision) ctx.stderr.write(routeLine(status.decision))
              if (status.phase === 'generating' && status.hops?.length) {
                const hop = status.hops.at(-1)!
                ctx.stderr.write(
                  `[failover] ${hop.endpoint} (${hop.model}) ${hop.error}: ${hop.message} → ${status.servedBy?.endpoint} (${status.servedBy?.model})\n`,
                )
              }
            },
          },
        )
        if (json) {
          ctx.stdout.write(`${JSON.stringify(jsonReport(result, answer), null, 2)}\n`)
        } else if (result.phase === 'done') {
          ctx.stdout.write(answer.endsWith('\n') ? '' : '\n')
          const u = result.usage
          const s = result.servedBy
          if (s && u)
            ctx.stderr.write(`[done] ${s.tier} · ${s.endpoint} · ${s.model} · ${u.inputTokens}+${u.outputTokens} tokens · $${(u.costUsd ?? 0).toFixed(6)}\n`)
        } else if (result.phase === 'error') {
          if (result.interrupted) ctx.stdout.write(`\n[answer interrupted: ${result.error}]\n`)
          ctx.stderr.write(`routellm chat: ${result.error}\n`)
        } else {
          if (answer) ctx.stdout.write('\n[stopped]\n')
          ctx.stderr.write('routellm chat: stopped\n')
        }
        return result.phase === 'done' ? 0 : result.phase === 'aborted' ? 130 : 1
      } finally {
        for (const s of signals) process.off(s, stop)
        await services.close()
      }
    },
  }
}

export const chatCommand = createChatCommand()
