import { join } from 'node:path'
import { resolveDataDir } from '../../core/lib/data-dir'
import {
  createPolicyStore,
  POLICY_AUDIT_FILE,
  POLICY_FILE,
  PolicyAuditLog,
  PolicyOverrides,
  policyDiff,
  THRESHOLD_OVERRIDE_FILE,
  type PolicyStore,
} from '../../core/policy/index'
import { UsageError, type CliCommand, type CliContext } from './command'
import { writeJson } from './engine-setup'
import { parseFlags } from './flags'

const show = (value: unknown) => JSON.stringify(value)

/** The data folder's policy files, read once (no watching), and the audited writer over them. */
export async function openPolicy(ctx: CliContext): Promise<{ store: PolicyStore; overrides: PolicyOverrides }> {
  const dataDir = resolveDataDir(ctx.env)
  const store = await createPolicyStore({
    file: join(dataDir, POLICY_FILE),
    overrideFile: join(dataDir, THRESHOLD_OVERRIDE_FILE),
    watch: false,
    onError: (error, kept) => ctx.stderr.write(`${error.message}; using ${kept}\n`),
  })
  const overrides = new PolicyOverrides({
    file: join(dataDir, THRESHOLD_OVERRIDE_FILE),
    audit: new PolicyAuditLog(join(dataDir, POLICY_AUDIT_FILE)),
    base: () => store.base(),
    written: () => store.reload(),
  })
  return { store, overrides }
}

async function diff(ctx: CliContext, json: boolean): Promise<number> {
  const { store } = await openPolicy(ctx)
  const entries = policyDiff(store.get(), store.override()?.patch ?? {})
  if (json) writeJson(ctx, { entries })
  else if (entries.length === 0) ctx.stdout.write('The policy in force is the built-in defaults.\n')
  else for (const e of entries) ctx.stdout.write(`${e.path}: ${show(e.default)} → ${show(e.value)} (${e.source})\n`)
  store.close()
  return 0
}

async function audit(ctx: CliContext, json: boolean, limit: number | undefined): Promise<number> {
  const { store, overrides } = await openPolicy(ctx)
  const entries = await overrides.audit.list(limit)
  if (json) writeJson(ctx, { entries })
  else if (entries.length === 0) ctx.stdout.write('No override has been written yet.\n')
  else for (const e of entries) ctx.stdout.write(`${e.id}  ${e.at}  ${e.actor}  ${e.reason}  ${show(e.patchBefore)} → ${show(e.patchAfter)}\n`)
  store.close()
  return 0
}

async function write(
  ctx: CliContext,
  json: boolean,
  change: (overrides: PolicyOverrides) => ReturnType<PolicyOverrides['clear']>,
  done: string,
): Promise<number> {
  const { store, overrides } = await openPolicy(ctx)
  try {
    const result = await change(overrides)
    await overrides.audit.flushed()
    if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('; '))
    if (json) writeJson(ctx, { auditId: result.entry.id, threshold: store.get().threshold, patch: store.override()?.patch ?? null })
    else ctx.stdout.write(`${done} (audit entry ${result.entry.id}); threshold in force ${store.get().threshold}\n`)
    return 0
  } finally {
    store.close()
  }
}

/** `routellm policy …`: the override over policy.json as the dashboard sees it, its audit trail, revert and reset. */
export const policyCommand: CliCommand = {
  name: 'policy',
  summary: 'the policy override: diff against the defaults, audit trail, revert an entry, reset',
  usage: 'policy diff|audit|revert <id>|reset [--json] [--limit N]',
  async run(ctx) {
    const { flags, positionals } = parseFlags(ctx.args, { json: 'boolean', limit: 'string' })
    const [verb, ...rest] = positionals
    const json = flags.json === true
    const arity = (n: number) => {
      if (rest.length !== n) throw new UsageError(`policy ${verb} takes ${n === 0 ? 'no arguments' : 'an audit entry id'}`)
    }
    switch (verb) {
      case 'diff':
        arity(0)
        return diff(ctx, json)
      case 'audit': {
        arity(0)
        const limit = flags.limit === undefined ? undefined : Number(flags.limit)
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
          throw new UsageError(`--limit must be a positive whole number, not "${String(flags.limit)}"`)
        return audit(ctx, json, limit)
      }
      case 'revert': {
        arity(1)
        const id = rest[0]!
        return write(ctx, json, (o) => o.revert(id), `reverted ${id}`)
      }
      case 'reset':
        arity(0)
        return write(ctx, json, (o) => o.clear({ actor: 'user', reason: 'override reset (routellm policy reset)' }), 'override removed')
      default:
        throw new UsageError(verb ? `unknown policy command "${verb}"` : 'policy needs a command: diff, audit, revert <id> or reset')
    }
  },
}
