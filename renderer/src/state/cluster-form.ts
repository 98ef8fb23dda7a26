import { ClusterDef, type ClusterDetail, type SemanticIndexStatus } from '../../../shared/clusters'
import { issuePath, type FieldErrors } from './policy-form'

/** The cluster editor's form: its text fields → a cluster checked with the contract's schema, errors by field. */
export interface ClusterDraft {
  id: string
  name: string
  tier: string
  description: string
  threshold: string
  /** One utterance per line. */
  utterances: string
}

export const EMPTY_CLUSTER: ClusterDraft = { id: '', name: '', tier: 'cloud', description: '', threshold: '', utterances: '' }

export function draftFromCluster(c: ClusterDetail): ClusterDraft {
  return {
    id: c.id,
    name: c.name,
    tier: c.tier,
    description: c.description ?? '',
    threshold: c.threshold === null ? '' : String(c.threshold),
    utterances: c.utterances.join('\n'),
  }
}

export function draftFromForm(form: FormData): ClusterDraft {
  const text = (key: keyof ClusterDraft) => String(form.get(key) ?? '')
  return {
    id: text('id').trim(),
    name: text('name').trim(),
    tier: text('tier'),
    description: text('description').trim(),
    threshold: text('threshold').trim(),
    utterances: text('utterances'),
  }
}

export function checkCluster(draft: ClusterDraft): { ok: true; cluster: ClusterDef } | { ok: false; errors: FieldErrors } {
  const threshold = draft.threshold === '' ? undefined : /^-?(\d+(\.\d*)?|\.\d+)$/.test(draft.threshold) ? Number(draft.threshold) : Number.NaN
  const result = ClusterDef.safeParse({
    id: draft.id,
    name: draft.name,
    tier: draft.tier,
    ...(draft.description ? { description: draft.description } : {}),
    ...(threshold === undefined ? {} : { threshold }),
    utterances: draft.utterances
      .split('\n')
      .map((u) => u.trim())
      .filter(Boolean),
  })
  if (result.success) return { ok: true, cluster: result.data }
  const errors: FieldErrors = {}
  for (const issue of result.error.issues) errors[issuePath(issue.path.slice(0, 1))] ??= issue.message
  return { ok: false, errors }
}

/** "re-embedded: 12 clusters, 340 utterances (ready)" after a change, from the pillar's status. */
export function reembedded(semantic: SemanticIndexStatus | null): string {
  if (semantic === null) return 'the semantic pillar is not running: the change applies when it starts'
  const state = semantic.state === 'error' ? `error: ${semantic.error ?? 'unknown'}` : semantic.state
  return `re-embedded with ${semantic.model}: ${semantic.clusters} clusters, ${semantic.utterances} utterances (${state})`
}
