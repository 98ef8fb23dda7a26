import type { Decision, PillarId, PillarVerdict, Tier } from '../../../shared/decision'
import type { Arm } from '../pillars/bandit'
import type { ComplexityIndex } from './compose'

const PILLAR_NAMES: Record<PillarId, string> = {
  rules: 'Rules',
  semantic: 'Semantic',
  judge: 'SLM judge',
  bandit: 'Bandit',
  health: 'Health',
  learned: 'Learned combiner',
}

export interface ExplanationInput {
  tier: Tier
  pinned: Decision['pinned']
  complexity: number
  threshold: number
  index: ComplexityIndex | null
  arm: Arm | null
  /** The verdict that decided alone, if any (privacy, directive, safe list). */
  gate: PillarVerdict | null
  /** The tier the user asked for through the API. */
  requested: Tier | null
  /** Why health moved the tier, or why it could not. */
  healthNote: string | null
  /** The tier the complexity or a pin chose before health stepped in. */
  chosenBeforeHealth: Tier
  trace: readonly PillarVerdict[]
  /** Pillars not consulted because the fast path decided. */
  skipped: readonly PillarId[]
  /** The per-cluster offset applied to the index, told in one sentence; null when none applied. */
  clusterOffset?: string | null
}

const pct = (x: number) => `${Math.round(x)}%`
/** What a person reads for each tier. */
export const TIER_NAMES: Record<Tier, string> = { local: 'Local', cloud: 'Cloud' }

function destination(tier: Tier, arm: Arm | null): string {
  if (tier === 'cloud') return arm ? `Routing to Cloud cluster: ${arm.model} (${arm.endpoint}).` : 'Routing to Cloud cluster (no cloud endpoint is configured).'
  return arm ? `Routing to Local model ${arm.model}.` : 'Routing to Local (no local model is available).'
}

/** "The prompt contains X." → "the prompt contains X", to continue a sentence. */
function clause(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`.replace(/\.$/, '')
}

/** The gate's own sentence, to continue the headline. */
function gateReason(e: ExplanationInput): string {
  const gate = e.gate?.detail?.['gate']
  return clause(typeof gate === 'string' ? gate : (e.gate?.reason ?? ''))
}

/** What the headline quotes in brackets: the index against the threshold, or, for a requested tier, that there is none. */
function indexNote(e: ExplanationInput): string {
  return e.requested
    ? `you chose ${TIER_NAMES[e.requested]}, so only the privacy check ran`
    : `complexity index ${pct(e.complexity)}, Edge threshold ${pct(e.threshold)}`
}

/** The headline of a tier the request chose: the same sentence every time, built once. */
const REQUESTED_HEADLINES: Record<Tier, string> = {
  local: 'You chose Local for this prompt, so only the privacy check ran; complexity was not scored.',
  cloud: 'You chose Cloud for this prompt, so only the privacy check ran; complexity was not scored.',
}

function headline(e: ExplanationInput): string {
  switch (e.pinned) {
    case 'privacy':
      return `Pinned to Local for privacy: ${gateReason(e)} (${indexNote(e)}).`
    case 'safe-list':
      return `Fast path: ${gateReason(e)} (${indexNote(e)}).`
    case 'override':
      return e.requested ? REQUESTED_HEADLINES[e.requested] : `Override: ${gateReason(e)} (${indexNote(e)}).`
    default:
      if (!e.index) return `No pillar could score this prompt; staying Local by default (Edge threshold ${pct(e.threshold)}).`
      return e.chosenBeforeHealth === 'cloud'
        ? `Complexity index (${pct(e.complexity)}) exceeds Edge threshold (${pct(e.threshold)}).`
        : `Complexity index (${pct(e.complexity)}) is within Edge threshold (${pct(e.threshold)}).`
  }
}

const leaning = (score: number, threshold: number) => (score > threshold ? 'Cloud' : 'Local')

function pillarLine(v: PillarVerdict, e: ExplanationInput): string {
  const name = PILLAR_NAMES[v.pillar]
  if (v.status === 'abstained') return `- ${name} (abstained): ${v.reason}`
  // The bandit picks a model, and a privacy pin on a requested tier scores nothing: no score to show.
  if (v.pillar === 'bandit' || v.score === null) return `- ${name}: ${v.reason}`
  const contribution = e.index?.contributions.find((c) => c.pillar === v.pillar)
  // Only pillars that went into the index lean one way; a gate's score is evidence, not a vote.
  const part = contribution ? `, leans ${leaning(contribution.score, e.threshold)}, ${Math.round(contribution.share * 100)}% of the weight` : ''
  return `- ${name} (score ${Math.round(v.score ?? 0)}${part}): ${v.reason}`
}

/**
 * When the scoring pillars lean different ways, one line says which side's evidence won:
 * each pillar counts by its policy weight times its confidence (and, with logit pooling, by
 * how far its score sits from the threshold).
 */
function disagreement(e: ExplanationInput): string | null {
  if (e.pinned || !e.index) return null
  const cs = e.index.contributions
  const names = (tier: 'Cloud' | 'Local') =>
    cs
      .filter((c) => leaning(c.score, e.threshold) === tier)
      .map((c) => PILLAR_NAMES[c.pillar])
      .join(' and ')
  const cloud = names('Cloud')
  const local = names('Local')
  if (!cloud || !local) return null
  const how = e.index.pooling === 'logit' ? 'their log-odds weighted by confidence' : 'their scores weighted by confidence'
  return `- Pillars disagree: ${cloud} ${cloud.includes(' and ') ? 'lean' : 'leans'} Cloud, ${local} ${local.includes(' and ') ? 'lean' : 'leans'} Local; pooling ${how}, the ${leaning(e.complexity, e.threshold)} side is surer.`
}

/**
 * The decision told for a person, in the seed's style: one headline saying which tier and
 * why ("Complexity index (72%) exceeds Edge threshold (65%). Routing to Cloud cluster…"),
 * then one line per pillar with its own reason.
 */
export function explain(e: ExplanationInput): string {
  let text = `${headline(e)} ${e.healthNote ? `${e.healthNote} ` : ''}${destination(e.tier, e.arm)}`
  // The scoring pillars, then whether they disagreed, then the bandit's choice of model.
  for (const v of e.trace) if (v.pillar !== 'bandit') text += `\n${pillarLine(v, e)}`
  const split = disagreement(e)
  if (split) text += `\n${split}`
  if (e.clusterOffset) text += `\n- Cluster offset: ${e.clusterOffset}`
  for (const v of e.trace) if (v.pillar === 'bandit') text += `\n${pillarLine(v, e)}`
  if (e.skipped.length) text += `\n- ${e.skipped.map((p) => PILLAR_NAMES[p]).join(', ')}: skipped (fast path decided)`
  return text
}
