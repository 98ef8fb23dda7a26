import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { PolicyStatus, PolicyView, SaveOverrideResult } from '../../../shared/policy-contract'
import { POLICY_FILE } from './index'
import type { OverrideWrite, PolicyOverrides, SavePatch } from './overrides'
import { policyDiff } from './patch'
import type { PolicyStore } from './store'

/**
 * The policy as the dashboard sees and tunes it (channels 'policy.*'). The dashboard only
 * ever writes the override, through the audited writer, never the hand-edited policy.json.
 */
export interface PolicyFiles {
  store: PolicyStore
  overrides: PolicyOverrides
  dataDir: string
}

export const DASHBOARD_NOTE = 'set from the dashboard'

export function policyStatus({ store, overrides, dataDir }: PolicyFiles): PolicyStatus {
  const effective = store.get()
  const override = store.override()
  const error = store.lastError()
  const policyFile = join(dataDir, POLICY_FILE)
  const patchThreshold = override?.patch['threshold']
  return {
    threshold: effective.threshold,
    policyThreshold: store.base().threshold,
    override: override
      ? { threshold: typeof patchThreshold === 'number' ? patchThreshold : null, note: override.note ?? null, createdAt: override.createdAt ?? null }
      : null,
    policyFile,
    policyFileExists: existsSync(policyFile),
    overrideFile: overrides.file,
    lastError: error ? { message: error.message, issues: error.issues.map(({ path, message }) => ({ path, message })) } : null,
    weights: { ...effective.weights },
    pooling: effective.composition.pooling,
    judge: { enabled: effective.judge.enabled, when: effective.judge.when, uncertainBand: effective.judge.uncertainBand },
  }
}

/** The status with the whole policy: the file's, the override's patch, the effective one and its diff against the defaults. */
export function policyView(files: PolicyFiles): PolicyView {
  const patch = files.store.override()?.patch ?? null
  const effective = files.store.get()
  return { ...policyStatus(files), base: files.store.base(), patch, effective, diff: policyDiff(effective, patch ?? {}) }
}

function done(write: OverrideWrite): void {
  if (!write.ok) throw new Error(`override rejected: ${write.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
}

/** The dashboard's threshold knob: a patch of the threshold alone, merged into the override in force. */
export async function setThreshold(files: PolicyFiles, threshold: number): Promise<PolicyStatus> {
  done(await files.overrides.save({ patch: { threshold }, actor: 'user', reason: DASHBOARD_NOTE }))
  return policyStatus(files)
}

/** Reset: the whole override goes (audited, revertible); the policy file alone is in force again. */
export async function clearOverride(files: PolicyFiles): Promise<PolicyStatus> {
  done(await files.overrides.clear({ actor: 'user', reason: 'override reset' }))
  return policyStatus(files)
}

export async function saveOverride(
  files: PolicyFiles,
  input: Pick<SavePatch, 'patch' | 'replace'> & { reason?: string | undefined },
): Promise<SaveOverrideResult> {
  const write = await files.overrides.save({
    patch: input.patch,
    actor: 'user',
    reason: input.reason ?? DASHBOARD_NOTE,
    ...(input.replace ? { replace: true } : {}),
  })
  if (!write.ok) return { ok: false, errors: write.issues }
  return { ok: true, policy: policyView(files), auditId: write.entry.id }
}

export async function revertOverride(files: PolicyFiles, id: string): Promise<PolicyView> {
  done(await files.overrides.revert(id))
  return policyView(files)
}
