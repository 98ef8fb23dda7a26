import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { PolicyStatus } from '../../../shared/policy-contract'
import { POLICY_FILE, THRESHOLD_OVERRIDE_FILE, writeThresholdOverride } from './index'
import type { PolicyStore } from './store'

/**
 * The policy as the dashboard sees and tunes it (channels 'policy.*'). The dashboard only
 * ever writes the threshold override file, never the hand-edited policy.json.
 */
export interface PolicyFiles {
  store: PolicyStore
  dataDir: string
}

const policyFileOf = (dataDir: string) => join(dataDir, POLICY_FILE)
const overrideFileOf = (dataDir: string) => join(dataDir, THRESHOLD_OVERRIDE_FILE)

export const DASHBOARD_NOTE = 'set from the dashboard'

export function policyStatus({ store, dataDir }: PolicyFiles): PolicyStatus {
  const effective = store.get()
  const override = store.override()
  const error = store.lastError()
  const policyFile = policyFileOf(dataDir)
  return {
    threshold: effective.threshold,
    policyThreshold: store.base().threshold,
    override: override ? { threshold: override.threshold, note: override.note ?? null, createdAt: override.createdAt ?? null } : null,
    policyFile,
    policyFileExists: existsSync(policyFile),
    overrideFile: overrideFileOf(dataDir),
    lastError: error ? { message: error.message, issues: error.issues.map(({ path, message }) => ({ path, message })) } : null,
    weights: { ...effective.weights },
    pooling: effective.composition.pooling,
    judge: { enabled: effective.judge.enabled, when: effective.judge.when, uncertainBand: effective.judge.uncertainBand },
  }
}

/**
 * Writes the threshold into the override file, keeping whatever else an existing override
 * holds (semantic thresholds fitted by `routellm calibrate`), then reloads the store.
 */
export async function setThreshold(files: PolicyFiles, threshold: number): Promise<PolicyStatus> {
  const previous = files.store.override()
  await writeThresholdOverride(overrideFileOf(files.dataDir), {
    ...(previous ?? {}),
    version: 1,
    threshold,
    note: DASHBOARD_NOTE,
    createdAt: new Date().toISOString(),
  })
  await files.store.reload()
  return policyStatus(files)
}

/** Removes the override file: the policy's own threshold is in force again. */
export async function clearOverride(files: PolicyFiles): Promise<PolicyStatus> {
  await rm(overrideFileOf(files.dataDir), { force: true })
  await files.store.reload()
  return policyStatus(files)
}
