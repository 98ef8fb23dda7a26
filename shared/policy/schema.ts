import { z } from 'zod'
import { BUNDLED_SEMANTIC_THRESHOLDS } from './defaults'
import { Phrase, PrivacyKind, SafePattern, Trigger, TriggerKind } from './terms'
import { DEFAULT_SAFE_PATTERNS, DEFAULT_TASK_VERBS, DEFAULT_TRIGGERS } from './vocabularies'

/**
 * The routing policy: every number and word list the router decides with lives here,
 * validated, so it can be tuned without code. Every field has a default, so
 * `{ "version": 1 }` is a complete policy; unknown keys are rejected so a typo is reported
 * instead of silently ignored.
 */

const Directive = z.string().regex(/^[@#/!][a-z-]+$/i, 'a directive starts with @, #, / or ! followed by letters')

export const RulesPolicy = z.strictObject({
  enabled: z.boolean().default(true),
  /** Score from length alone: pivotPoints at pivotTokens, plus pointsPerDoubling per doubling. */
  length: z
    .strictObject({
      pivotTokens: z.number().int().min(1).default(32),
      pivotPoints: z.number().min(0).max(100).default(28),
      pointsPerDoubling: z.number().min(0).max(50).default(5),
      maxPoints: z.number().min(0).max(100).default(45),
      /** At or above this many tokens the prompt counts as a long document. */
      longDocumentTokens: z.number().int().min(1).default(1500),
      longDocumentPoints: z.number().min(0).max(100).default(30),
    })
    .prefault({}),
  /** Several figures in one prompt hint at a calculation. */
  numbers: z
    .strictObject({
      minCount: z.number().int().min(1).default(2),
      pointsPerNumber: z.number().min(0).max(50).default(8),
      maxPoints: z.number().min(0).max(100).default(24),
    })
    .prefault({}),
  /** Several questions or list items in one prompt hint at a multi-step task. */
  structure: z
    .strictObject({
      minQuestions: z.number().int().min(1).default(2),
      minListItems: z.number().int().min(1).default(3),
      points: z.number().min(0).max(50).default(10),
      /**
       * A request asking for several distinct things ("derive X and explain when Y", "implement
       * A and justify B") is multi-step: each distinct task verb from `taskVerbs` beyond
       * `minTaskVerbs - 1` adds `pointsPerTaskVerb`, up to `maxTaskPoints`.
       */
      taskVerbs: z.array(Phrase).default(() => DEFAULT_TASK_VERBS),
      minTaskVerbs: z.number().int().min(1).default(2),
      pointsPerTaskVerb: z.number().min(0).max(50).default(10),
      maxTaskPoints: z.number().min(0).max(100).default(20),
      /**
       * Puzzle structure: at least `minEntities` distinct named entities (capitalised words
       * inside sentences) together with a relation or ordering cue (a `reasoning` trigger) and a
       * question ("Alice is older than Bob, ... Who is second oldest?").
       */
      minEntities: z.number().int().min(1).default(3),
      entityPoints: z.number().min(0).max(50).default(20),
      /** Triggers that count as the relation or ordering cue of the puzzle structure. */
      relationTriggers: z.array(z.string()).default(() => ['reasoning-relations', 'reasoning-arrangement', 'reasoning-deduction']),
    })
    .prefault({}),
  /** The most one kind of trigger may add (or take away), so one topic cannot saturate the score. */
  kindCap: z.number().min(0).max(100).default(50),
  /**
   * 'simple' triggers lean local only while nothing asks for more: when triggers of the safe
   * list's veto kinds add at least this many points, simple triggers are ignored ("translate this
   * clause and flag any ambiguities", "a 2,000-word short story", "who is the second oldest?").
   */
  simpleVetoPoints: z.number().min(0).default(20),
  /** The kinds whose points count toward `simpleVetoPoints` (not maths: "how many ml in a cup" is a quantity question and still simple). */
  simpleVetoKinds: z.array(TriggerKind).default((): TriggerKind[] => ['code', 'reasoning', 'multi-step', 'long-document', 'writing']),
  /**
   * Triggers are looked for in the first `headChars` and last `tailChars` characters: the
   * instruction of a long prompt sits at its start or end, and this bounds the cost.
   */
  window: z
    .strictObject({
      headChars: z.number().int().min(100).default(1500),
      tailChars: z.number().int().min(0).default(500),
    })
    .prefault({}),
  triggers: z.array(Trigger).default(() => DEFAULT_TRIGGERS),
  safeList: z
    .strictObject({
      enabled: z.boolean().default(true),
      /**
       * Positive points from triggers of `vetoKinds` at or above this veto the safe list: a
       * greeting or an edit that also asks for analysis, judgement, code or maths ("hi! prove
       * that...", "translate this clause and flag any ambiguities") is not a simple request.
       */
      vetoPoints: z.number().min(0).default(30),
      vetoKinds: z.array(TriggerKind).default((): TriggerKind[] => ['code', 'math', 'reasoning', 'multi-step', 'long-document', 'writing']),
      /** The rules score a safe-listed prompt gets at most. */
      maxScore: z.number().min(0).max(100).default(10),
      patterns: z.array(SafePattern).default(() => DEFAULT_SAFE_PATTERNS),
    })
    .prefault({}),
  privacy: z
    .strictObject({
      enabled: z.boolean().default(true),
      kinds: z.array(PrivacyKind).default(() => [...PrivacyKind.options]),
    })
    .prefault({}),
  /** In-prompt directives that force a tier, e.g. "@cloud explain...". */
  overrides: z
    .strictObject({
      cloud: z.array(Directive).default(() => ['@cloud', '#cloud']),
      local: z.array(Directive).default(() => ['@local', '#local']),
    })
    .prefault({}),
})
export type RulesPolicy = z.infer<typeof RulesPolicy>

export const JudgePolicy = z.strictObject({
  /** Off by default: it costs a local model call per decision. */
  enabled: z.boolean().default(false),
  /** Ollama model that judges; null = the host picks (e.g. the smallest installed model). */
  model: z.string().min(1).nullable().default(null),
  timeoutMs: z.number().int().min(50).max(60_000).default(1500),
  cacheSize: z.number().int().min(0).max(100_000).default(500),
  /** How much a successful judgement counts, relative to other pillars' confidence. */
  confidence: z.number().min(0).max(1).default(0.7),
  /**
   * 'uncertain': ask the judge only when the fast pillars leave the index within
   * `uncertainBand` points of the threshold (a clear case never waits for a model);
   * 'always': every prompt the fast path does not decide.
   */
  when: z.enum(['uncertain', 'always']).default('uncertain'),
  uncertainBand: z.number().min(0).max(100).default(15),
})
export type JudgePolicy = z.infer<typeof JudgePolicy>

export const BanditPolicy = z.strictObject({
  strategy: z.enum(['epsilon-greedy', 'thompson']).default('epsilon-greedy'),
  epsilon: z
    .strictObject({
      /** Exploration while any arm of the tier has fewer than warmupPulls pulls; never below 0.1. */
      warmup: z.number().min(0.1).max(1).default(0.2),
      warmupPulls: z.number().int().min(0).default(20),
      /** Exploration afterwards. */
      floor: z.number().min(0).max(1).default(0.05),
    })
    .prefault({}),
  /** Relative weights of the reward's parts; each part is 0–1. */
  reward: z
    .strictObject({
      success: z.number().min(0).default(0.5),
      latency: z.number().min(0).default(0.2),
      cost: z.number().min(0).default(0.1),
      feedback: z.number().min(0).default(0.2),
    })
    .prefault({}),
  /** Latency that scores 0.5 (faster scores higher). */
  latencyRefMs: z.number().positive().default(4000),
  /** Cost of one answer that scores 0.5 (cheaper scores higher). */
  costRefUsd: z.number().positive().default(0.01),
})
export type BanditPolicy = z.infer<typeof BanditPolicy>

/**
 * What simulation assumes when it estimates cost without generating. Per-model prices come
 * from the cost module's price table; this is the all-cloud baseline and the answer length.
 */
export const SimulationPolicy = z.strictObject({
  /** USD per million tokens of the cloud model everything would go to without routing. */
  cloudPrice: z.strictObject({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) }).default({ inputPerMTok: 2.5, outputPerMTok: 10 }),
  assumedOutputTokens: z.number().int().min(0).default(300),
})
export type SimulationPolicy = z.infer<typeof SimulationPolicy>

export const Policy = z.strictObject({
  version: z.literal(1),
  /** Complexity index above which a prompt goes to the cloud. */
  threshold: z.number().min(0).max(100).default(65),
  /** Relative weight of each scoring pillar in the complexity index. */
  weights: z
    .strictObject({
      rules: z.number().min(0).default(1),
      semantic: z.number().min(0).default(1),
      judge: z.number().min(0).default(1),
      /** The learned combiner (resources/router/combiner.json), pooled with the others. */
      learned: z.number().min(0).default(0.5),
    })
    .prefault({}),
  /** How the scoring pillars' scores are combined into the complexity index. */
  composition: z
    .strictObject({
      /**
       * 'logit' (default): each pillar's score is read as a probability that the prompt needs the
       * cloud (the threshold being even odds), the log-odds are averaged with weight × confidence,
       * and the mean is mapped back onto 0–100. A pillar that is sure and far from the threshold
       * then outweighs one that leans mildly the other way, instead of both landing in the middle.
       * 'mean': the weighted mean of the scores themselves.
       */
      pooling: z.enum(['logit', 'mean']).default('logit'),
      /** Probabilities are kept within [clamp, 1 − clamp] before taking log-odds: a score of 0 or 100 is strong, not infinite, evidence. */
      clamp: z.number().min(0.0001).max(0.49).default(0.01),
      /**
       * The judge is one voice among several: it moves the index by at most this many points
       * from where the other pillars put it, and never across the threshold when rules and
       * semantic both lean the same way by at least `agreementMargin` points.
       */
      judgeMaxShift: z.number().min(0).max(100).default(15),
      agreementMargin: z.number().min(0).max(100).default(10),
    })
    .prefault({}),
  rules: RulesPolicy.prefault({}),
  judge: JudgePolicy.prefault({}),
  bandit: BanditPolicy.prefault({}),
  simulation: SimulationPolicy.prefault({}),
  /**
   * Index points added to prompts whose nearest semantic cluster is the key (positive leans
   * cloud), e.g. when the local model is known to be weak at one kind of task. Other sources
   * (Optimize Load, the local-model probe) add their own; the sum is held within
   * ±`clusterOffsetMax`. Never applied across a privacy pin, a fast-path gate or a user's choice.
   */
  clusterOffsets: z.record(z.string().min(1), z.number().min(-30).max(30)).default(() => ({})),
  clusterOffsetMax: z.number().min(0).max(100).default(30),
  /** A pillar that has not answered by then abstains; the decision never waits longer. */
  pillarTimeoutMs: z.number().int().min(10).max(120_000).default(5000),
  /**
   * Semantic router settings, validated by the semantic pillar's own schema when loaded
   * (model, clusters aggregation, per-model thresholds...). The default embeds only a
   * prompt's first 1,500 characters: its intent sits there, and embedding cost grows with
   * length (this keeps a whole decision under 1 ms at 1,000 tokens).
   */
  semantic: z.record(z.string(), z.unknown()).default(() => ({
    maxChars: 1500,
    thresholds: { 'glove-sif-100d': BUNDLED_SEMANTIC_THRESHOLDS },
  })),
})
export type Policy = z.infer<typeof Policy>
export type PolicyInput = z.input<typeof Policy>

/**
 * A deep-partial patch over the policy: objects merge key by key, arrays and scalars replace.
 * Validated by `Policy` after it is merged (a patch alone cannot know what the file holds).
 */
export const PolicyPatch = z.record(z.string(), z.unknown())
export type PolicyPatch = z.infer<typeof PolicyPatch>

/**
 * The policy override layered over the policy file (<data folder>/threshold-override.json),
 * so neither the dashboard nor `routellm calibrate` ever rewrites the hand-edited policy.json.
 * Files written before the patch existed hold `threshold` (and `semanticThresholds`) at the
 * top level: they are read as the patch `{ threshold, semantic: { thresholds } }` and the next
 * write stores the patch form.
 */
export const PolicyOverrideFile = z.strictObject({
  version: z.literal(1),
  patch: PolicyPatch.optional(),
  /** Why / where from, for the person reading the file. */
  note: z.string().max(500).optional(),
  createdAt: z.string().optional(),
  targetRecall: z.number().min(0).max(1).optional(),
  data: z.string().optional(),
  n: z.number().int().min(0).optional(),
  /** Earlier form: the threshold alone. */
  threshold: z.number().min(0).max(100).optional(),
  /** Earlier form: semantic thresholds fitted by calibrate, per embedding model id. */
  semanticThresholds: z.record(z.string(), z.unknown()).optional(),
})
export type PolicyOverrideFile = z.infer<typeof PolicyOverrideFile>

/** An override as read: always in patch form. */
export type PolicyOverride = Omit<PolicyOverrideFile, 'patch' | 'threshold' | 'semanticThresholds'> & { patch: PolicyPatch }
