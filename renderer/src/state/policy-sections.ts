import { readPath, type FieldSpec } from './policy-form'

/**
 * The policy accordions' sections and the fields each one edits. Trigger and safe-list rows
 * are read from the policy in force, so a user's own triggers are editable too.
 */
export interface PolicySection {
  id: 'thresholds' | 'rules' | 'semantic' | 'judge' | 'bandit' | 'budgets'
  title: string
  /** One line under the title: what the section decides. */
  summary: string
  fields: (effective: unknown) => FieldSpec[]
}

const num = (path: string, label: string, hint?: string): FieldSpec => ({ path, label, kind: 'number', hint })
const int = (path: string, label: string, hint?: string): FieldSpec => ({ path, label, kind: 'integer', hint })

function rows(effective: unknown, path: string): Array<{ id: string; label: string }> {
  const items = readPath(effective, path)
  return Array.isArray(items) ? items.map((t: { id?: unknown; label?: unknown }, i) => ({ id: String(t.id ?? i), label: String(t.label ?? t.id ?? i) })) : []
}

export const POLICY_SECTIONS: readonly PolicySection[] = [
  {
    id: 'thresholds',
    title: 'Thresholds and weights',
    summary: 'Where the complexity index splits local from cloud, and how much each pillar counts.',
    fields: () => [
      num('threshold', 'Threshold (0–100)', 'above it a prompt goes to the cloud'),
      num('weights.rules', 'Weight · rules'),
      num('weights.semantic', 'Weight · semantic'),
      num('weights.judge', 'Weight · judge'),
      num('weights.learned', 'Weight · learned'),
      { path: 'composition.pooling', label: 'Pooling', kind: 'enum', options: ['logit', 'mean'] },
      num('composition.judgeMaxShift', 'Judge max shift (points)'),
      num('composition.agreementMargin', 'Agreement margin (points)'),
      int('pillarTimeoutMs', 'Pillar timeout (ms)'),
    ],
  },
  {
    id: 'rules',
    title: 'Rules',
    summary: 'Triggers that add points, safe lists that keep small talk local, in-prompt directives.',
    fields: (effective) => [
      { path: 'rules.enabled', label: 'Rules pillar on', kind: 'boolean' },
      num('rules.kindCap', 'Cap per trigger kind (points)'),
      num('rules.simpleVetoPoints', 'Simple-trigger veto (points)'),
      { path: 'rules.overrides.cloud', label: 'Cloud directives', kind: 'list', hint: 'comma-separated, e.g. @cloud' },
      { path: 'rules.overrides.local', label: 'Local directives', kind: 'list' },
      ...rows(effective, 'rules.triggers').flatMap((t, i): FieldSpec[] => [
        num(`rules.triggers.${i}.weight`, `Trigger ${t.id} · weight`, t.label),
        ...(readPath(effective, `rules.triggers.${i}.words`)
          ? [{ path: `rules.triggers.${i}.words`, label: `Trigger ${t.id} · words`, kind: 'list' as const }]
          : []),
      ]),
      { path: 'rules.safeList.enabled', label: 'Safe list on', kind: 'boolean' },
      num('rules.safeList.vetoPoints', 'Safe-list veto (points)'),
      num('rules.safeList.maxScore', 'Safe-listed score at most'),
      ...rows(effective, 'rules.safeList.patterns').flatMap((p, i): FieldSpec[] => [
        { path: `rules.safeList.patterns.${i}.pattern`, label: `Safe ${p.id} · pattern`, kind: 'text' },
        int(`rules.safeList.patterns.${i}.maxTokens`, `Safe ${p.id} · max tokens`),
      ]),
    ],
  },
  {
    id: 'semantic',
    title: 'Semantic',
    summary: 'The embedding model, its thresholds, and the intent clusters prompts are compared with.',
    fields: (effective) => {
      const model = String(readPath(effective, 'semantic.model') ?? 'glove-sif-100d')
      const t = `semantic.thresholds.${model}`
      return [
        { path: 'semantic.model', label: 'Embedding model', kind: 'text' },
        int('semantic.maxChars', 'Characters embedded'),
        num(`${t}.center`, `${model} · center`, 'margin at even odds'),
        num(`${t}.scale`, `${model} · scale`),
        num(`${t}.minSimilarity`, `${model} · min similarity`),
        num(`${t}.confidenceMargin`, `${model} · confidence margin`),
      ]
    },
  },
  {
    id: 'judge',
    title: 'Judge',
    summary: 'A small local model that rates difficulty when the fast pillars are unsure.',
    fields: () => [
      { path: 'judge.enabled', label: 'Judge on', kind: 'boolean' },
      { path: 'judge.model', label: 'Ollama model (empty: the host picks)', kind: 'optional-text' },
      { path: 'judge.when', label: 'Ask when', kind: 'enum', options: ['uncertain', 'always'] },
      num('judge.uncertainBand', 'Uncertain band (points)'),
      int('judge.timeoutMs', 'Timeout (ms)'),
      int('judge.cacheSize', 'Cache size'),
      num('judge.confidence', 'Confidence (0–1)'),
    ],
  },
  {
    id: 'bandit',
    title: 'Bandit',
    summary: 'Which model inside the chosen tier answers: exploration and what a good answer is worth.',
    fields: () => [
      { path: 'bandit.strategy', label: 'Strategy', kind: 'enum', options: ['epsilon-greedy', 'thompson'] },
      num('bandit.epsilon.warmup', 'Epsilon · warm-up (≥ 0.1)'),
      int('bandit.epsilon.warmupPulls', 'Epsilon · warm-up pulls'),
      num('bandit.epsilon.floor', 'Epsilon · floor'),
      num('bandit.reward.success', 'Reward · success'),
      num('bandit.reward.latency', 'Reward · latency'),
      num('bandit.reward.cost', 'Reward · cost'),
      num('bandit.reward.feedback', 'Reward · feedback'),
      int('bandit.latencyRefMs', 'Latency scoring 0.5 (ms)'),
      num('bandit.costRefUsd', 'Cost scoring 0.5 (USD)'),
    ],
  },
  {
    id: 'budgets',
    title: 'Health and budgets',
    summary: 'What simulation prices a batch with; spending caps live in the Health & cost panel.',
    fields: () => [
      num('simulation.cloudPrice.inputPerMTok', 'All-cloud price · input (USD / Mtok)'),
      num('simulation.cloudPrice.outputPerMTok', 'All-cloud price · output (USD / Mtok)'),
      int('simulation.assumedOutputTokens', 'Assumed answer length (tokens)'),
    ],
  },
]
