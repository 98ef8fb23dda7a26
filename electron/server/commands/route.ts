import { complexityScored, type Decision } from '../../../shared/decision'
import { UsageError, type CliCommand, type CliContext } from './command'
import { ENGINE_FLAGS, ENGINE_USAGE, parseTier, setupEngine, writeJson } from './engine-setup'
import { parseFlags } from './flags'

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

function describe(d: Decision): string {
  const model = d.model ? ` → ${d.model}` : ''
  const complexity = complexityScored(d) ? `complexity ${d.complexity} / threshold ${d.threshold}` : 'complexity not scored'
  return `${d.tier.toUpperCase()}${model}  ${complexity}${d.pinned ? `  (pinned: ${d.pinned})` : ''}  ${d.ms} ms\n${d.explanation}\n`
}

export const routeCommand: CliCommand = {
  name: 'route',
  summary: 'decide local or cloud for one prompt, with the reasons (generates nothing)',
  usage: `route "<prompt>" | - [--json] [--tier local|cloud] ${ENGINE_USAGE}`,
  async run(ctx: CliContext) {
    const { flags, positionals } = parseFlags(ctx.args, { ...ENGINE_FLAGS, tier: 'string' })
    const fromStdin = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-')
    const prompt = fromStdin ? await readStdin(ctx.stdin) : positionals.join(' ')
    if (prompt.length === 0) throw new UsageError('give a prompt as an argument, or pipe it in with "-"')
    const tier = parseTier(flags.tier)
    const engine = await setupEngine(ctx, flags, { savedOverride: true, endpoints: true })
    try {
      const decision = await engine.router.decide(prompt, tier ? { tier } : {})
      if (flags.json) writeJson(ctx, decision)
      else ctx.stdout.write(describe(decision))
      return 0
    } finally {
      await engine.close()
    }
  },
}
