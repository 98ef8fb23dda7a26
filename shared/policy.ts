import { z } from 'zod'

/**
 * The routing policy: every number and word list the router decides with lives here,
 * validated, so it can be tuned without code. Every field has a default, so
 * `{ "version": 1 }` is a complete policy; unknown keys are rejected so a typo is reported
 * instead of silently ignored.
 */

/** A regular expression source (compiled case-insensitive); rejected at load if it does not compile. */
const RegexSource = z
  .string()
  .min(1)
  .max(2000)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'i')
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` })
    }
  })

/**
 * A word or phrase, matched on whole words, case-insensitively, ignoring punctuation and a
 * plural "s" ("unit test" matches "Unit-tests").
 */
const Phrase = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]+(?: [a-z0-9]+)*$/, 'use lowercase letters, digits and single spaces (text is compared word by word)')

/**
 * What a trigger is evidence of. `writing` is long-form or stylistic writing, `domain` expert
 * vocabulary (medicine, law, finance); `simple` triggers lean local (negative weights).
 */
export const TriggerKind = z.enum(['code', 'math', 'reasoning', 'multi-step', 'long-document', 'writing', 'domain', 'simple'])
export type TriggerKind = z.infer<typeof TriggerKind>

/**
 * A keyword or pattern trigger. It fires when any of `words` (or `pattern`) occurs and, when
 * `with` is given, one of `with` occurs too; its weight (negative = leans local) is added to
 * the rules score.
 */
export const Trigger = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lowercase letters, digits and dashes'),
    kind: TriggerKind,
    /** What the explanation calls it, e.g. "code request". */
    label: z.string().min(1).max(80),
    weight: z.number().min(-100).max(100),
    words: z.array(Phrase).min(1).optional(),
    with: z.array(Phrase).min(1).optional(),
    pattern: RegexSource.optional(),
    /** Fires only on prompts of at most this many tokens (cues like "12 x 17" mean "simple" only when short). */
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((t) => t.words !== undefined || t.pattern !== undefined, { message: 'a trigger needs `words` or `pattern`' })
export type Trigger = z.infer<typeof Trigger>

export const SafeKind = z.enum(['greeting', 'thanks', 'farewell', 'small-talk', 'formatting'])
export type SafeKind = z.infer<typeof SafeKind>

/** A pattern that, on a short prompt without cloud triggers, routes local without consulting other pillars. */
export const SafePattern = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'use lowercase letters, digits and dashes'),
  kind: SafeKind,
  pattern: RegexSource,
  /** Longer prompts are not small talk any more, whatever they start with. */
  maxTokens: z.number().int().min(1).max(10_000),
  /** Veto points for this pattern (default `safeList.vetoPoints`): an edit request is vetoed by less than a greeting. */
  vetoPoints: z.number().min(0).optional(),
})
export type SafePattern = z.infer<typeof SafePattern>

export const PrivacyKind = z.enum(['api-key', 'private-key', 'card-number', 'email', 'phone', 'iban'])
export type PrivacyKind = z.infer<typeof PrivacyKind>

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
  cloudPrice: z
    .strictObject({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) })
    .default({ inputPerMTok: 2.5, outputPerMTok: 10 }),
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
 * The bundled GloVe-SIF model's semantic thresholds, fitted for logit pooling with the rules
 * pillar on 671 labelled prompts (the development set and a tuning set of other kinds). They
 * are deliberately softer than a stand-alone logistic fit of the margins (center ≈ 0.018,
 * scale ≈ 0.010): a bag-of-words model is often confidently wrong when a prompt merely shares
 * a topic with a cluster, so its evidence is spread wider and its confidence saturates later.
 */
export const BUNDLED_SEMANTIC_THRESHOLDS = {
  center: 0.005,
  scale: 0.04,
  minSimilarity: 0,
  confidenceMargin: 0.05,
  /** Shipped, not fitted on the user's data: `routellm doctor` still suggests `routellm calibrate`. */
  calibratedAt: null,
}

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

// Built-in word lists: generic English vocabulary of task kinds, written for this product.

const CODE_VERBS = ['write', 'implement', 'create', 'build', 'code', 'generate', 'develop', 'program', 'fix', 'optimize', 'convert', 'port']
const CODE_OBJECTS = [
  'function', 'method', 'class', 'program', 'script', 'algorithm', 'regex', 'regular expression', 'sql query',
  'query', 'api', 'endpoint', 'module', 'unit test', 'test suite', 'cli', 'compiler', 'parser',
  'data structure', 'recursive', 'lambda', 'snippet', 'code',
]

/** Verbs that each name one deliverable of a request; several distinct ones make it multi-part. */
export const DEFAULT_TASK_VERBS = [
  'explain', 'derive', 'prove', 'implement', 'design', 'compare', 'analyse', 'analyze', 'identify', 'flag',
  'justify', 'evaluate', 'assess', 'recommend', 'outline', 'discuss', 'critique', 'cover', 'estimate', 'calculate',
  'compute', 'verify', 'walk me through', 'show that', 'show the steps', 'handle', 'optimise', 'optimize', 'refactor',
  'debug', 'argue', 'weigh', 'plan', 'propose', 'diagnose', 'interpret', 'model',
]

export const DEFAULT_TRIGGERS: Trigger[] = [
  { id: 'code-request', kind: 'code', label: 'code request', weight: 50, words: CODE_VERBS, with: CODE_OBJECTS },
  {
    id: 'code-language',
    kind: 'code',
    label: 'programming language',
    weight: 15,
    words: [
      'python', 'javascript', 'typescript', 'java', 'golang', 'rust', 'kotlin', 'swift', 'ruby', 'php', 'sql',
      'bash', 'shell script', 'powershell', 'haskell', 'scala', 'perl', 'matlab', 'numpy', 'react',
      'node js', 'html', 'css', 'json schema', 'dockerfile', 'kubernetes', 'terraform', 'c sharp', 'cpp',
    ],
  },
  { id: 'code-symbols', kind: 'code', label: 'c-family language', weight: 20, pattern: String.raw`\bc\+\+|\bc#(?![\w#])|\bobjective-c\b` },
  {
    id: 'code-syntax',
    kind: 'code',
    label: 'source code',
    weight: 30,
    pattern: String.raw`\x60\x60\x60|^[ \t]*(?:def |class \w|function\b|import \w|from [\w.]+ import|#include|public (?:static|class)|(?:const|let|var) \w+ =)|=>|\)[ \t]*\{|\);[ \t]*$`,
  },
  {
    id: 'code-debugging',
    kind: 'code',
    label: 'debugging or code internals',
    weight: 30,
    words: [
      'debug', 'refactor', 'stack trace', 'traceback', 'segfault', 'segmentation fault', 'exception', 'compile',
      'compiler error', 'runtime error', 'syntax error', 'null pointer', 'memory leak', 'race condition', 'deadlock',
      'time complexity', 'space complexity', 'big o', 'recursion', 'unit test', 'type error', 'typeerror',
      'referenceerror', 'valueerror', 'keyerror', 'nullpointerexception', 'undefined is not', 'cannot read properties',
      'error message', 'bug', 'crash', 'leak',
    ],
  },
  {
    id: 'code-concepts',
    kind: 'code',
    label: 'software engineering',
    weight: 15,
    words: [
      'thread', 'mutex', 'async', 'await', 'promise', 'callback', 'api', 'database', 'schema', 'server', 'backend',
      'frontend', 'http', 'endpoint', 'framework', 'interpreter', 'runtime', 'git', 'docker', 'container',
      'deployment', 'component', 'hook', 'middleware', 'repository', 'compiler', 'variable', 'loop', 'pointer',
      'garbage collector', 'cache', 'latency', 'throughput', 'concurrency', 'websocket', 'orm',
    ],
  },
  {
    id: 'code-data',
    kind: 'code',
    label: 'data-structure task',
    weight: 10,
    words: [
      'array', 'linked list', 'binary tree', 'binary search', 'hash map', 'hashmap', 'dictionary', 'tuple', 'integers',
      'substring', 'matrix', 'graph', 'heap', 'queue', 'stack', 'sorted', 'string', 'list of numbers', 'bitwise', 'index',
    ],
    with: ['function', 'program', 'algorithm', 'return', 'returns', 'input', 'output', 'given', 'implement', 'write'],
  },
  {
    id: 'algorithms',
    kind: 'code',
    label: 'algorithms or data structures',
    weight: 30,
    words: [
      'algorithm', 'time complexity', 'space complexity', 'big o', 'asymptotic', 'dynamic programming', 'memoization',
      'memoize', 'greedy', 'backtracking', 'divide and conquer', 'binary search', 'linked list', 'hash table',
      'prefix tree', 'priority queue', 'min heap', 'max heap', 'heapify', 'binary heap', 'bfs', 'dfs', 'breadth first',
      'depth first', 'shortest path', 'topological sort', 'spanning tree', 'union find', 'lru',
      'edit distance', 'levenshtein', 'knapsack', 'sorting algorithm', 'quicksort', 'merge sort', 'amortized',
      'amortised', 'np hard', 'np complete', 'recurrence relation', 'sliding window', 'bit manipulation',
      'segment tree', 'red black tree', 'b tree', 'skip list', 'adjacency list', 'adjacency matrix', 'cycle detection', 'external sort', 'hashing', 'data structure',
    ],
    // "trie" is a pattern: as a keyword, its plural index form would match the verb "tries".
    pattern: String.raw`\bO\(\s*(?:1|n|log|m|k|v|e|n\s*\^\s*2|n\s*\*\s*\w)[^)\n]{0,16}\)|\btrie\b`,
  },
  {
    id: 'systems',
    kind: 'code',
    label: 'systems or distributed computing',
    weight: 25,
    words: [
      'distributed system', 'consensus', 'raft', 'paxos', 'leader election', 'replication', 'sharding',
      'shard', 'partitioning', 'consistent hashing', 'load balancer', 'load balancing', 'rate limit', 'rate limiter',
      'rate limiting', 'message queue', 'kafka', 'rabbitmq', 'eventual consistency', 'strong consistency',
      'linearizability', 'cap theorem', 'idempotent', 'idempotency', 'high availability', 'fault tolerance', 'fault tolerant', 'microservice', 'monolith',
      'two phase commit', '2pc', 'saga', 'event sourcing', 'cqrs',
      'cache invalidation', 'horizontal scaling', 'autoscaling', 'service mesh', 'pub sub',
      'backpressure', 'write ahead log', 'quorum', 'vector clock', 'split brain', ],
    pattern: String.raw`\b\d[\d,.]*\s*[kmb]?\s*(?:requests?|writes?|reads?|queries|messages|events|rps|qps|tps)\s*(?:/|per)\s*(?:s|sec|second|minute|min)\b|\b(?:million|billion)\s+(?:daily\s+|monthly\s+)?(?:active\s+)?users\b`,
  },
  {
    id: 'system-design',
    kind: 'multi-step',
    label: 'system design',
    weight: 25,
    words: ['design', 'architect', 'scale', 'build'],
    with: [
      'system', 'service', 'backend', 'platform', 'infrastructure', 'architecture', 'pipeline', 'database', 'storage', 'cluster', 'at scale', 'shortener', 'news feed', 'message broker', 'search engine',
      'data model', 'distributed', 'real time',
    ],
  },
  {
    id: 'math-vocabulary',
    kind: 'math',
    label: 'mathematics',
    weight: 30,
    words: [
      'calculate', 'compute', 'solve', 'equation', 'equations', 'integral', 'derivative', 'differentiate', 'integrate',
      'probability', 'expected value', 'variance', 'standard deviation', 'theorem', 'prove', 'proof', 'lemma',
      'eigenvalue', 'eigenvector', 'polynomial', 'logarithm', 'factorial', 'prime number', 'modulo', 'algebra',
      'calculus', 'geometry', 'trigonometry', 'combinatorics', 'optimization problem',
      'remainder', 'quotient', 'simplify the expression', 'linear regression',
    ],
  },
  {
    id: 'math-proof',
    kind: 'math',
    label: 'proof',
    weight: 45,
    words: ['prove', 'proof', 'show that', 'irrational', 'by induction', 'theorem', 'lemma', 'if and only if', 'for all integers'],
  },
  {
    id: 'math-formal',
    kind: 'math',
    label: 'formal mathematics',
    weight: 30,
    words: [
      'derive', 'derivation', 'closed form', 'solve for', 'least squares', 'normal equation', 'ill conditioned',
      'condition number', 'converge', 'convergence', 'diverge', 'limit of', 'taylor series', 'power series',
      'matrix', 'matrices', 'determinant', 'gradient', 'partial derivative', 'differential equation', 'roots of', 'divisible by', 'infinitely many', 'induction', 'inequality',
      'estimator', 'unbiased', 'maximum likelihood', 'posterior', 'bayes', 'permutations', 'combinations',
      'expected number',
    ],
  },
  {
    id: 'math-notation',
    kind: 'math',
    label: 'mathematical notation',
    weight: 20,
    // Written to fail fast on ordinary text: it runs over every prompt's analysis window.
    pattern: String.raw`\^\s?[\w({-]|[√∫∑∏≤≥≠]|\\frac|\b(?:sqrt\b|lim\b|(?:sin|cos|tan|log|ln|exp)\s*\(|d[xy]\s*/\s*d[xyt]\b|f\s*\(\s*x\s*\))`,
  },
  {
    id: 'math-quantity-question',
    kind: 'math',
    label: 'quantity question',
    weight: 25,
    words: [
      'how many', 'how much', 'how long', 'how far', 'how fast', 'how often', 'how old', 'what percentage',
      'what percent', 'what fraction', 'the total', 'in total', 'altogether', 'original price', 'final price',
      'total cost', 'how much money', 'what time', 'catch up', 'how soon', 'per hour', 'per day', 'per week',
      'per month', 'per year', 'each day', 'each week', 'average', 'on average', 'left over', 'remaining',
    ],
  },
  {
    id: 'math-quantities',
    kind: 'math',
    label: 'quantities',
    weight: 10,
    pattern: String.raw`\d\s*%|[$€£]\s?\d|\b\d+/\d+\b(?!/)|\d\s*[+*×÷^=]\s*\d|\b\d+(?:\.\d+)?\s?(?:km|kg|miles?|hours?|minutes?|dollars?|cents?|pounds?|feet|foot|inches|meters?|liters?|gallons?|percent)\b`,
  },
  {
    id: 'reasoning',
    kind: 'reasoning',
    label: 'reasoning',
    weight: 35,
    words: [
      'step by step', 'think carefully', 'think through', 'reason about', 'show your work', 'show your reasoning',
      'justify', 'explain why', 'why does', 'why do', 'what would happen if', 'deduce', 'infer', 'logic puzzle',
      'logically', 'puzzle', 'riddle', 'paradox', 'contradiction', 'hypothesis', 'counterexample', 'tells the truth',
      'truth teller', 'liar', 'implies', 'necessarily', 'assumption', 'work out', 'figure out', 'does it follow',
      'strategy', 'counterfeit', 'weighing', 'optimal', 'worst case',
    ],
  },
  {
    id: 'reasoning-relations',
    kind: 'reasoning',
    label: 'relational reasoning',
    weight: 20,
    words: [
      'older than', 'younger than', 'taller than', 'shorter than', 'faster than', 'slower than', 'heavier than',
      'lighter than', 'bigger than', 'smaller than', 'second oldest', 'second youngest', 'second tallest',
      'each a different', 'every label', 'who took', 'who did',
    ],
  },
  {
    id: 'reasoning-quantifiers',
    kind: 'reasoning',
    label: 'quantified statements',
    weight: 15,
    words: ['more than', 'fewer than', 'less than', 'exactly one', 'at least', 'at most', 'lie', 'truth'],
  },
  {
    id: 'reasoning-arrangement',
    kind: 'reasoning',
    label: 'ordering or constraint problem',
    weight: 20,
    words: [
      'to the left of', 'to the right of', 'leftmost', 'rightmost', 'from the left', 'from the right',
      'immediately before', 'immediately after', 'fixed order', 'constraint', 'in which order', 'swap',
      'swapped', 'trade', 'switch partner',
    ],
  },
  {
    id: 'reasoning-dates',
    kind: 'reasoning',
    label: 'date arithmetic',
    weight: 15,
    words: ['days ago', 'days later', 'weeks ago', 'weeks later', 'months ago', 'years ago', 'mm dd yyyy', 'day of the week', 'what date', 'date tomorrow', 'date yesterday', 'date today', 'between what times'],
  },
  {
    id: 'reasoning-options',
    kind: 'reasoning',
    label: 'multiple choice',
    weight: 10,
    pattern: String.raw`(?:^|\n)\s*(?:options:|\(a\)[^\n]*\n\s*\(b\))`,
  },
  {
    id: 'reasoning-deduction',
    kind: 'reasoning',
    label: 'deduction',
    weight: 25,
    words: [
      'must be true', 'must be false', 'justify each step', 'reason it through', 'knight', 'knave', 'syllogism', 'premise', 'valid argument',
      'who did it', 'who is lying', 'telling the truth', 'always lie', 'always lies', 'exactly one of', 'every valid',
      'counterintuitive', ],
  },
  {
    id: 'explanation-depth',
    kind: 'reasoning',
    label: 'asks how or why in depth',
    weight: 15,
    words: [
      'walk me through', 'explain how', 'explain the difference', 'explain in detail', 'how would you',
      'how should we', 'how should i', 'what happens when', 'what happens to', 'why isn t', 'why is it',
      'why can t', 'why doesn t', 'under what conditions', 'when would you', 'in what cases', 'failure cases', 'edge cases', 'corner cases', 'trade off', 'tradeoff', ],
  },
  {
    id: 'judgement',
    kind: 'reasoning',
    label: 'asks for judgement',
    weight: 20,
    words: [
      'flag', 'ambiguity', 'ambiguities', 'ambiguous', 'loophole', 'exploit', 'exploited', 'risk',
      'risky', 'is it legal',
      'is this legal', 'weak point', 'weakness', 'flaw', 'flawed', 'supported by', 'critique', 'inconsistent',
      'consistent with', 'is it worth', 'pitfall',
    ],
  },
  {
    id: 'analysis',
    kind: 'multi-step',
    label: 'in-depth analysis',
    weight: 20,
    words: [
      'analyze', 'analyse', 'analysis', 'evaluate', 'assess', 'critique', 'compare and contrast', 'trade off',
      'trade offs', 'tradeoffs', 'pros and cons', 'implications', 'in depth', 'comprehensive',
      'thorough', 'thoroughly', 'rigorous', 'rigorously', 'detailed', 'nuanced', 'research', 'literature review',
      'weigh the evidence', 'long term effects', 'economic', 'feasibility', 'argument', 'counterargument',
      'reasoned', 'considering', 'versus',
    ],
  },
  {
    id: 'planning',
    kind: 'multi-step',
    label: 'design or planning',
    weight: 15,
    words: [
      'design', 'architecture', 'architect', 'system design', 'strategy', 'roadmap', 'optimize', 'optimise',
      'scalable', 'scalability', 'migrate', 'migration', 'distributed', 'concurrency', 'microservices',
      'business plan', 'project plan', 'curriculum', 'multi step', 'end to end',
    ],
  },
  {
    id: 'plan-request',
    kind: 'multi-step',
    label: 'plan with constraints',
    weight: 20,
    words: [
      'plan', 'timeline', 'milestone', 'phases', 'rollback', 'contingency', 'itinerary', 'prioritise', 'prioritize',
    ],
    with: [
      'phases', 'timeline', 'risk', 'constraint', 'dependencies', 'owners', 'accounts for', 'rollback', 'milestone',
      'step by step', 'trade off', 'contingency', ],
  },
  {
    id: 'sequence',
    kind: 'multi-step',
    label: 'sequence of steps',
    weight: 10,
    words: ['after that', 'and then', 'afterwards', 'subsequently', 'finally', 'step 1', 'step one', 'phase'],
  },
  {
    id: 'document',
    kind: 'long-document',
    label: 'document analysis',
    weight: 10,
    words: ['document', 'article', 'report', 'paper', 'transcript', 'contract', 'chapter', 'codebase', 'logs', 'log file', 'dataset', 'spreadsheet', 'manuscript', 'thesis'],
    with: ['summarize', 'summarise', 'analyze', 'analyse', 'review', 'extract', 'attached', 'following', 'below', 'entire', 'whole'],
  },
  {
    id: 'long-form',
    kind: 'writing',
    label: 'long-form writing',
    weight: 45,
    // A word count asked of the answer (not one mentioned in a word problem): after a writing verb or "about/around".
    // The number is matched first and the verb checked behind it, so ordinary text fails fast.
    pattern: String.raw`(?<![\d.,])(?:[4-9]\d{2}|[1-9]\d{3,4}|[1-9]\d?,\d{3}|\d+(?:\.\d+)?k)\s*-?\s*words?\b(?<=(?:\b(?:write|writing|draft|compose|produce|create|generate|give me|need)\b[^.?!\n]{0,60}|\b(?:about|around|roughly|approximately|at least)\s+|~\s*)[\d.,]+k?\s*-?\s*words?)`,
  },
  {
    id: 'writing-genre',
    kind: 'writing',
    label: 'long-form genre',
    weight: 20,
    words: [
      'essay', 'chapter', 'short story', 'novella', 'novel', 'screenplay', 'white paper',
      'whitepaper', 'speech', 'keynote', 'article', 'report',
      'literature review', 'thesis', 'dissertation', 'manifesto', 'case study', 'business plan',
      'specification', 'design document',
    ],
    with: ['write', 'draft', 'compose', 'produce', 'prepare', 'author'],
  },
  {
    id: 'writing-style',
    kind: 'writing',
    label: 'stylistic writing',
    weight: 15,
    words: [
      'in the style of', 'pastiche', 'first person', 'third person', 'narrator', 'satirical', 'allegory', 'unreliable narrator',
      ],
  },
  {
    id: 'domain-medicine',
    kind: 'domain',
    label: 'medical question',
    weight: 20,
    words: [
      'diagnosis', 'differential', 'symptom', 'prescribed', 'prescription', 'dosage', 'dose', 'drug interaction',
      'interaction', 'contraindication', 'contraindicated', 'side effect', 'patient', 'clinical', 'clinically',
      'treatment', 'therapy', 'antibiotic', 'anticoagulant', 'blood thinner', 'renal', 'hepatic', 'lab result', 'blood test', 'pregnancy', 'chemotherapy', 'tumour',
      'tumor', 'biopsy', 'insulin', 'diabetes', 'hypertension', 'statin', 'cardiac', 'arrhythmia', 'sepsis',
      'randomised', 'randomized', 'placebo', 'efficacy', 'prognosis', 'monitoring', 'mortality', 'comorbidity',
    ],
  },
  {
    id: 'domain-law',
    kind: 'domain',
    label: 'legal question',
    weight: 20,
    words: [
      'legal', 'legally', 'lawsuit', 'liability', 'liable', 'clause', 'jurisdiction', 'statute',
      'gdpr', 'hipaa', 'ccpa', 'compliance', 'regulation', 'regulatory', 'court', 'plaintiff', 'defendant', 'indemnify', 'indemnity', 'intellectual property', 'copyright', 'trademark',
      'patent', 'negligence', 'data protection', 'employment law',
      'breach of contract', 'terms and conditions', 'arbitration', 'statutory',
    ],
  },
  {
    id: 'domain-finance',
    kind: 'domain',
    label: 'finance or tax question',
    weight: 20,
    words: [
      'tax', 'taxable', 'tax bracket', 'capital gains', 'ira', '401k', 'pension', 'dividend', 'portfolio',
      'interest rate',
      'mortgage', 'amortization', 'amortisation', 'depreciation', 'etf', 'index fund', 'annuity', 'refinance', 'discounted cash flow',
      'npv', 'irr', ],
  },
  {
    id: 'simple-arithmetic',
    kind: 'simple',
    label: 'bare arithmetic',
    weight: -30,
    maxTokens: 16,
    words: ['squared', 'square root of', 'cubed', 'divided by', 'multiplied by', 'percent of', 'times table'],
    pattern: String.raw`^\W*(?:(?:what(?:'s| is)|calculate|compute|work out|add|subtract|multiply|divide)\s+)?[\d.,]+\s*%?\s*(?:[-+x×*/÷=]|times|plus|minus|divided by|multiplied by|of|and|by)\s*[\d.,]+\s*(?:=\s*)?\??\s*$`,
  },
  {
    id: 'unit-conversion',
    kind: 'simple',
    label: 'unit conversion',
    weight: -25,
    maxTokens: 20,
    pattern: String.raw`\b(?:convert|how many|in|to|into)\b[^?\n]{0,30}?\b(?:km|kilomet(?:er|re)s?|miles?|mph|km/h|kph|kg|kilos?|grams?|pounds?|lbs?|ounces?|oz|cups?|tablespoons?|teaspoons?|litres?|liters?|gallons?|quarts?|pints?|ml|millilit(?:er|re)s?|feet|foot|ft|inch(?:es)?|cm|centimet(?:er|re)s?|millimet(?:er|re)s?|met(?:er|re)s?|yards?|celsius|fahrenheit|kelvin|acres?|hectares?|stones?)\b`,
  },
  {
    id: 'simple-edit',
    kind: 'simple',
    label: 'simple language edit',
    weight: -15,
    words: [
      'translate', 'rephrase', 'paraphrase', 'reword', 'rewrite', 'proofread', 'spelling', 'grammar', 'punctuation',
      'capitalize', 'capitalise', 'synonym', 'synonyms', 'antonym', 'antonyms', 'rhymes with', 'define', 'definition',
      'meaning of', 'abbreviation', 'acronym', 'plural', 'past tense', 'opposite of', 'passive voice', 'active voice',
      'more formal', 'less formal', 'more concise', 'shorter', 'simpler words',
    ],
  },
  {
    id: 'simple-short-output',
    kind: 'simple',
    label: 'short answer',
    weight: -10,
    words: [
      'one word', 'a word', 'one sentence', 'a sentence', 'single sentence', 'a few words', 'a short', 'briefly',
      'two sentences', 'one line', 'in a sentence', 'tl dr', 'tldr', 'a few sentences', 'one paragraph',
      'in brief', 'a brief', 'a quick', 'a name', 'a title', 'a slogan',
      'a tagline', 'a headline', 'a caption', 'a haiku', 'a limerick', 'a tweet',
    ],
  },
  {
    id: 'simple-classify',
    kind: 'simple',
    label: 'classification',
    weight: -10,
    words: ['classify', 'categorize', 'categorise', 'sentiment', 'positive or negative', 'true or false', 'yes or no', 'label', 'tag', 'fact or opinion'],
  },
  {
    id: 'simple-lookup',
    kind: 'simple',
    label: 'factual lookup',
    weight: -10,
    words: [
      'capital of', 'who wrote', 'who invented', 'who painted', 'who discovered', 'who is',
      'what is a', 'what is an', 'whats a', 'what s a', 'what s an', 'what year', 'which year', 'stand for',
      'example of', 'examples of', 'name a', 'name some', 'recommend', 'suggest',
    ],
  },
  {
    id: 'simple-writing',
    kind: 'simple',
    label: 'short creative writing',
    weight: -8,
    words: ['poem', 'haiku', 'limerick', 'slogan', 'tagline', 'tweet', 'headline', 'caption', 'joke', 'pun', 'greeting card', 'thank you note', 'email', 'letter', 'story', 'song', 'lyrics', 'toast', 'invitation', 'description'],
  },
]

export const DEFAULT_SAFE_PATTERNS: SafePattern[] = [
  {
    id: 'greeting',
    kind: 'greeting',
    pattern: String.raw`^\W*(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|what'?s up|sup|hola|bonjour)\b`,
    maxTokens: 24,
  },
  {
    id: 'thanks',
    kind: 'thanks',
    pattern: String.raw`^\W*(?:thanks?(?: you)?|thx|ty|cheers|much appreciated|i appreciate (?:it|that|your help)|appreciate it|great job|well done|awesome|perfect|nice|cool|ok(?:ay)?|got it|sounds good|that (?:helps|helped|works))\b`,
    maxTokens: 24,
  },
  {
    id: 'farewell',
    kind: 'farewell',
    pattern: String.raw`^\W*(?:bye|goodbye|see (?:you|ya)|good ?night|take care|talk (?:to you )?(?:later|soon)|catch you later|have a (?:nice|good|great) (?:day|night|evening|weekend))\b`,
    maxTokens: 24,
  },
  {
    id: 'small-talk',
    kind: 'small-talk',
    pattern: [
      String.raw`\bhow(?: are|'re| r) (?:you|u)\b`,
      String.raw`\bhow(?:'s| is| was| has) (?:your|ur) (?:day|morning|night|evening|weekend|week|life)\b`,
      String.raw`\b(?:what(?:'s| is) your name|your name is|call you)\b`,
      String.raw`\b(?:who|what company|which company) (?:made|created|built|trained|programmed|owns|designed|developed) you\b`,
      String.raw`\b(?:are|r) (?:you|u) (?:a |an )?(?:bot|robot|human|person|real|ai|machine|computer|alive|sentient|conscious|there|ok|okay|single|happy)\b`,
      String.raw`\b(?:where are you from|where do you live|where (?:did|do) you (?:grow up|come from)|how old are you|when were you (?:born|made|created)|what(?:'s| is) your age)\b`,
      String.raw`\b(?:what can you do|what can i ask|what do you know|what are you (?:able|capable)|help me with what)\b`,
      String.raw`\bdo (?:you|u) (?:like|have|love|enjoy|dream|sleep|eat|feel|get bored|work for|have any)\b`,
      String.raw`\b(?:who do you work for|who(?:'s| is) your (?:boss|creator|owner|maker))\b`,
      String.raw`\b(?:tell me (?:a joke|something (?:fun|funny|interesting)|about yourself)|make me laugh|know any jokes)\b`,
      String.raw`\b(?:fun fact|random fact|meaning of life|purpose of life)\b`,
      String.raw`\b(?:your (?:hobbies|favou?rite|pets?|family|friends)|what do you do for fun|in your free time)\b`,
      String.raw`\b(?:nice to meet you|i(?:'m| am) (?:bored|tired|happy|sad|back|lonely|here)|you(?:'re| are) (?:funny|smart|great|awesome|cool|the best))\b`,
    ].join('|'),
    maxTokens: 24,
  },
  {
    id: 'formatting',
    kind: 'formatting',
    pattern: String.raw`^\W*(?:please\s+|can you\s+|could you\s+)?(?:rewrite|rephrase|paraphrase|reword|proofread|translate|capitali[sz]e|lowercase|uppercase|shorten|fix (?:the |my )?(?:grammar|spelling|typos?|punctuation)|correct (?:the |my |this )?(?:grammar|spelling|typos?|punctuation|sentence)|make (?:this|it|the following)(?: sentence| text| paragraph)? (?:more |less )?(?:formal|informal|polite|concise|shorter|friendlier|professional|casual))\b`,
    maxTokens: 160,
    vetoPoints: 15,
  },
]

export const DEFAULT_POLICY: Policy = Policy.parse({ version: 1 })
