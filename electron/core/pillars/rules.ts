/**
 * Pillar 1, the rules fast path: microseconds, no model. Scores a prompt from its length
 * in tokens, keyword and pattern triggers (families: code, algorithms, systems, maths,
 * reasoning, planning, long-form writing, expert domains, and "simple" cues that lean local)
 * and its structure (several questions or list items, several distinct tasks asked for, named
 * parties with relations), and decides alone (short-circuit) when the prompt holds secrets or
 * personal data (pinned local), carries an explicit "@cloud"/"@local" directive, or is small
 * talk or a simple edit (safe list) that asks for nothing more. Simple cues are ignored when
 * the prompt also asks for analysis, code, reasoning or long writing.
 *
 * Everything it reads comes from `policy.rules`; the compiled form of a policy is cached,
 * so a hot-reloaded policy takes effect on the next decision.
 */
import type { PillarVerdict, Tier } from '../../../shared/decision'
import type { PrivacyKind, RulesPolicy, SafeKind, TriggerKind } from '../../../shared/policy'
import { describePrivacyKinds, describePrivateTurns, detectPrivateData, detectPrivateTurns, type TurnFinding } from './privacy'
import { abstain, type Pillar, type PillarInput, type PrivacyInput } from './pillar'
import { clamp, round } from '../../../shared/numbers'
import { msSince } from '../lib/elapsed'

interface CompiledTrigger {
  id: string
  kind: TriggerKind
  label: string
  weight: number
  pattern: RegExp | null
  needsWith: boolean
  maxTokens: number
}

/** One phrase of a trigger (or a task verb), indexed by its first word. */
interface PhraseEntry {
  rest: string[]
  /** The trigger's number, or the task verb's for group 2. */
  trigger: number
  /** 0: one of a trigger's `words`, 1: one of its `with`, 2: a task verb (policy `structure.taskVerbs`), 3: a number word. */
  group: 0 | 1 | 2 | 3
}

interface CompiledRules {
  triggers: CompiledTrigger[]
  /** Trigger phrases and task verbs by first word: one lookup per word of the prompt. */
  phrases: Map<string, PhraseEntry[]>
  taskVerbCount: number
  vetoKinds: Set<TriggerKind>
  simpleVetoKinds: Set<TriggerKind>
  safe: { id: string; kind: SafeKind; pattern: RegExp; maxTokens: number; vetoPoints: number }[]
  relationTriggers: Set<string>
  directives: Map<string, Tier>
}

const compiledCache = new WeakMap<RulesPolicy, CompiledRules>()

const WORD = /[a-z0-9]+/g
const NUMBER_WORDS = new Set([
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'fifteen',
  'twenty',
  'thirty',
  'forty',
  'fifty',
  'hundred',
  'thousand',
  'million',
  'half',
  'twice',
  'triple',
  'double',
  'dozen',
  'quarter',
])
const LIST_ITEM = /^[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+\S/gm
/** A capitalised word: a named entity when it does not open a sentence, a quote or a line. */
const CAPITALISED = /\b[A-Z][a-z]+\b/g
const NOT_ENTITIES = new Set([
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
  'Mr',
  'Mrs',
  'Ms',
  'Dr',
])

/** Drops a plural ending so "tests" matches "test"; applied alike to text and keywords. */
function normaliseWord(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`
  if (word.length > 3 && word.charCodeAt(word.length - 1) === 115 /* s */) {
    const before = word.charCodeAt(word.length - 2)
    // "ss", "us", "is" endings are not plurals (class, status, analysis).
    if (before !== 115 && before !== 117 && before !== 105) return word.slice(0, -1)
  }
  return word
}

function compile(rules: RulesPolicy): CompiledRules {
  const cached = compiledCache.get(rules)
  if (cached) return cached
  const phrases = new Map<string, PhraseEntry[]>()
  const index = (phrase: string, trigger: number, group: PhraseEntry['group']) => {
    const [first, ...rest] = phrase.split(' ').map(normaliseWord)
    if (!first) return
    // The first word is indexed under its plural forms too, so the scan looks words up as they are
    // (not for one- or two-letter words: "as" is not the plural of "a", nor "is" of "i").
    const plurals = first.length < 3 ? [] : [`${first}s`, `${first}es`, ...(first.endsWith('y') ? [`${first.slice(0, -1)}ies`] : [])]
    const forms = new Set([first, ...plurals])
    for (const form of forms) {
      const list = phrases.get(form) ?? []
      list.push({ rest, trigger, group })
      phrases.set(form, list)
    }
  }
  rules.structure.taskVerbs.forEach((v, i) => index(v, i, 2))
  // Number words share the map so each word of a prompt costs one lookup (exact forms only, no plurals).
  for (const w of NUMBER_WORDS) phrases.set(w, [...(phrases.get(w) ?? []), { rest: [], trigger: -1, group: 3 }])
  const triggers = rules.triggers.map((t, i): CompiledTrigger => {
    for (const w of t.words ?? []) index(w, i, 0)
    for (const w of t.with ?? []) index(w, i, 1)
    return {
      id: t.id,
      kind: t.kind,
      label: t.label,
      weight: t.weight,
      pattern: t.pattern ? new RegExp(t.pattern, 'im') : null,
      needsWith: t.with !== undefined,
      maxTokens: t.maxTokens ?? Infinity,
    }
  })
  const directives = new Map<string, Tier>()
  for (const d of rules.overrides.cloud) directives.set(d.toLowerCase(), 'cloud')
  for (const d of rules.overrides.local) directives.set(d.toLowerCase(), 'local')
  const compiled: CompiledRules = {
    triggers,
    phrases,
    taskVerbCount: rules.structure.taskVerbs.length,
    vetoKinds: new Set(rules.safeList.vetoKinds),
    simpleVetoKinds: new Set(rules.simpleVetoKinds),
    safe: rules.safeList.patterns.map((p) => ({
      id: p.id,
      kind: p.kind,
      pattern: new RegExp(p.pattern, 'i'),
      maxTokens: p.maxTokens,
      vetoPoints: p.vetoPoints ?? rules.safeList.vetoPoints,
    })),
    relationTriggers: new Set(rules.structure.relationTriggers),
    directives,
  }
  compiledCache.set(rules, compiled)
  return compiled
}

/** The part of the prompt triggers are looked for in: its start and its end. */
function analysisWindow(text: string, rules: RulesPolicy): string {
  const { headChars, tailChars } = rules.window
  if (text.length <= headChars + tailChars) return text
  return `${text.slice(0, headChars)}\n${tailChars > 0 ? text.slice(-tailChars) : ''}`
}

interface TextFeatures {
  /** Per trigger: bit 1 = a `words` phrase matched, bit 2 = a `with` phrase matched, 4 = pattern matched. */
  hits: Uint8Array
  numbers: number
  questions: number
  listItems: number
  /** Distinct task verbs ("derive", "explain", "flag") the request uses. */
  taskVerbs: number
}

function countEntities(window: string): number {
  const seen = new Set<string>()
  CAPITALISED.lastIndex = 0
  for (let m = CAPITALISED.exec(window); m; m = CAPITALISED.exec(window)) {
    let j = m.index - 1
    while (j >= 0 && (window.charCodeAt(j) === 32 || window.charCodeAt(j) === 9)) j--
    // Opening a sentence, a line, a quote or a bracket says nothing about being a name.
    if (j < 0 || '.!?:;\n"\'“‘(*-#>'.includes(window[j]!)) continue
    if (!NOT_ENTITIES.has(m[0])) seen.add(m[0])
  }
  return seen.size
}

function readFeatures(window: string, compiled: CompiledRules, tokens: number): TextFeatures {
  const hits = new Uint8Array(compiled.triggers.length)
  const verbs = new Uint8Array(compiled.taskVerbCount)
  const words = window.toLowerCase().match(WORD) ?? []
  const norm: (string | undefined)[] = new Array<string | undefined>(words.length)
  let numbers = 0
  let taskVerbs = 0
  for (let i = 0; i < words.length; i++) {
    const raw = words[i]!
    const first = raw.charCodeAt(0)
    if (first >= 48 && first <= 57) numbers++
    const entries = compiled.phrases.get(raw)
    if (!entries) continue
    for (const e of entries) {
      if (e.group === 3) {
        numbers++
        continue
      }
      if (e.group === 2 && verbs[e.trigger]) continue
      if (e.rest.length > 0 && !restMatches(words, norm, i + 1, e.rest)) continue
      if (e.group === 2) {
        verbs[e.trigger] = 1
        taskVerbs++
      } else hits[e.trigger]! |= e.group === 0 ? 1 : 2
    }
  }
  compiled.triggers.forEach((t, i) => {
    if (tokens <= t.maxTokens && t.pattern?.test(window)) hits[i]! |= 4
  })
  let questions = 0
  for (let i = window.indexOf('?'); i !== -1; i = window.indexOf('?', i + 1)) questions++
  LIST_ITEM.lastIndex = 0
  let listItems = 0
  while (LIST_ITEM.exec(window)) listItems++
  return { hits, numbers, questions, listItems, taskVerbs }
}

/** Whether the words from `from` on are `rest`; `norm` caches each word's normal form (filled on demand). */
function restMatches(words: string[], norm: (string | undefined)[], from: number, rest: string[]): boolean {
  for (let j = 0; j < rest.length; j++) {
    const k = from + j
    const w = words[k]
    if (w === undefined) return false
    const n = (norm[k] ??= normaliseWord(w))
    if (n !== rest[j]) return false
  }
  return true
}

function fired(t: CompiledTrigger, hit: number, tokens: number): boolean {
  if (tokens > t.maxTokens) return false
  if (hit & 4) return true
  return (hit & 1) !== 0 && (!t.needsWith || (hit & 2) !== 0)
}

function lengthPoints(tokens: number, rules: RulesPolicy): number {
  const l = rules.length
  const points = l.pivotPoints + l.pointsPerDoubling * Math.log2(Math.max(tokens, 1) / l.pivotTokens)
  return Math.min(l.maxPoints, Math.max(0, points))
}

export interface RulesAnalysis {
  score: number
  confidence: number
  /** Points per kind after the per-kind cap. */
  kinds: Partial<Record<TriggerKind, number>>
  triggers: { id: string; label: string; kind: TriggerKind; weight: number; ignored?: boolean }[]
  /** Sum of the positive trigger points before caps. */
  positivePoints: number
  /** Positive points before caps from the kinds that veto the safe list (policy `safeList.vetoKinds`). */
  vetoPoints: number
  lengthPoints: number
  numbers: number
  questions: number
  listItems: number
  taskVerbs: number
  /** Distinct named entities (capitalised words inside sentences), counted only when a relation cue fired. */
  entities: number
  /** Points from the multi-part request and puzzle-structure cues (0 when they did not apply). */
  multiPartPoints: number
  puzzlePoints: number
}

/** The complexity score from length, triggers and structure (no short-circuits). */
export function analyseComplexity(prompt: string, tokens: number, rules: RulesPolicy): RulesAnalysis {
  const compiled = compile(rules)
  const window = analysisWindow(prompt, rules)
  const f = readFeatures(window, compiled, tokens)
  const kinds: Partial<Record<TriggerKind, number>> = {}
  let positivePoints = 0
  let vetoPoints = 0
  let simpleVetoPoints = 0
  const add = (kind: TriggerKind, points: number) => {
    kinds[kind] = (kinds[kind] ?? 0) + points
    if (points > 0) {
      positivePoints += points
      if (compiled.vetoKinds.has(kind)) vetoPoints += points
      if (compiled.simpleVetoKinds.has(kind)) simpleVetoPoints += points
    }
  }
  const triggers: RulesAnalysis['triggers'] = []
  /** A relation or ordering cue: what makes several named parties a puzzle. */
  let relationCue = false
  compiled.triggers.forEach((t, i) => {
    if (!fired(t, f.hits[i]!, tokens)) return
    triggers.push({ id: t.id, label: t.label, kind: t.kind, weight: t.weight })
    add(t.kind, t.weight)
    if (compiled.relationTriggers.has(t.id)) relationCue = true
  })
  const n = rules.numbers
  if (f.numbers >= n.minCount) add('math', Math.min(n.maxPoints, n.pointsPerNumber * (f.numbers - n.minCount + 1)))
  const s = rules.structure
  if (f.questions >= s.minQuestions || f.listItems >= s.minListItems) add('multi-step', s.points)
  const multiPartPoints = f.taskVerbs >= s.minTaskVerbs ? Math.min(s.maxTaskPoints, s.pointsPerTaskVerb * (f.taskVerbs - s.minTaskVerbs + 1)) : 0
  if (multiPartPoints > 0) add('multi-step', multiPartPoints)
  // Named parties only matter next to a relation cue: count them only then.
  const entities = relationCue ? countEntities(window) : 0
  const puzzlePoints = entities >= s.minEntities ? s.entityPoints : 0
  if (puzzlePoints > 0) add('reasoning', puzzlePoints)
  if (tokens >= rules.length.longDocumentTokens) add('long-document', rules.length.longDocumentPoints)
  // A simple-sounding verb ("translate", "who is") does not make a request simple when it also asks for more.
  if (kinds.simple !== undefined && simpleVetoPoints >= rules.simpleVetoPoints) {
    delete kinds.simple
    for (const t of triggers) if (t.kind === 'simple') t.ignored = true
  }
  let total = lengthPoints(tokens, rules)
  let complexKinds = 0
  for (const kind of Object.keys(kinds) as TriggerKind[]) {
    const capped = Math.max(-rules.kindCap, Math.min(rules.kindCap, kinds[kind]!))
    kinds[kind] = capped
    total += capped
    if (capped > 0) complexKinds++
  }
  const score = round(clamp(total, 0, 100), 1)
  // Length alone says little; each independent kind of evidence makes the score surer.
  const confidence = Math.min(0.9, 0.35 + 0.2 * complexKinds + (kinds.simple !== undefined ? 0.15 : 0))
  return {
    score,
    confidence: round(confidence, 2),
    kinds,
    triggers,
    positivePoints,
    vetoPoints,
    lengthPoints: round(lengthPoints(tokens, rules), 1),
    numbers: f.numbers,
    questions: f.questions,
    listItems: f.listItems,
    taskVerbs: f.taskVerbs,
    entities,
    multiPartPoints,
    puzzlePoints,
  }
}

/** A leading "@cloud"-style directive: the tier it asks for and its exact text (the chat strips it). */
function directiveOf(prompt: string, compiled: CompiledRules): { tier: Tier; token: string } | null {
  if (compiled.directives.size === 0) return null
  const match = /^\s*([@#/!][a-z-]+)/i.exec(prompt.slice(0, 64))
  const tier = match ? compiled.directives.get(match[1]!.toLowerCase()) : undefined
  return tier ? { tier, token: match![1]! } : null
}

function safeMatch(prompt: string, tokens: number, analysis: RulesAnalysis, rules: RulesPolicy, compiled: CompiledRules) {
  if (!rules.safeList.enabled) return null
  if (analysis.numbers >= rules.numbers.minCount) return null
  // A safe-listed opening ("hi", "translate this") does not make a request simple when it also asks for more.
  return compiled.safe.find((s) => tokens <= s.maxTokens && analysis.vetoPoints < s.vetoPoints && s.pattern.test(prompt)) ?? null
}

const SAFE_REASONS: Record<SafeKind, string> = {
  greeting: 'Greeting',
  thanks: 'Thanks or acknowledgement',
  farewell: 'Farewell',
  'small-talk': 'Small talk',
  formatting: 'Simple rewording or formatting request',
}

const TIER_NAMES: Record<Tier, string> = { local: 'Local', cloud: 'Cloud' }

function summary(tokens: number, a: RulesAnalysis, rules: RulesPolicy): string {
  const parts = a.triggers.map((t) => `${t.label} (${t.weight > 0 ? '+' : ''}${t.weight}${t.ignored ? ', ignored: the request asks for more' : ''})`)
  if (a.numbers >= rules.numbers.minCount) parts.push(`${a.numbers} figures`)
  if (a.questions >= rules.structure.minQuestions) parts.push(`${a.questions} questions`)
  if (a.listItems >= rules.structure.minListItems) parts.push(`${a.listItems} list items`)
  if (a.multiPartPoints > 0) parts.push(`multi-part request: ${a.taskVerbs} distinct tasks (+${a.multiPartPoints})`)
  if (a.puzzlePoints > 0) parts.push(`puzzle structure: ${a.entities} named parties with relations (+${a.puzzlePoints})`)
  return `${tokens} tokens; ${parts.length ? parts.join(', ') : 'no complexity triggers'}`
}

/** Where the private data sits, kinds only: "The prompt contains an API key", "The conversation holds ...". */
function privacyGate(inPrompt: readonly PrivacyKind[], inHistory: readonly TurnFinding[]): string {
  if (inHistory.length === 0) return `The prompt contains ${describePrivacyKinds(inPrompt)}`
  const earlier = describePrivateTurns(inHistory)
  if (inPrompt.length === 0) return `The conversation holds ${earlier}`
  return `The prompt contains ${describePrivacyKinds(inPrompt)} and the conversation holds ${earlier}`
}

type Directive = ReturnType<typeof directiveOf>

/**
 * The privacy pin's evidence for the trace: the kinds found, the gate sentence the explanation's
 * headline uses, and where in the conversation they sit. Null when the prompt and the turns
 * before it hold none of the policy's kinds (or the check is off).
 */
function findPrivateData(input: PrivacyInput, rules: RulesPolicy, directive: Directive): { gate: string; detail: Record<string, unknown> } | null {
  if (!rules.privacy.enabled) return null
  const inPrompt = detectPrivateData(input.prompt, rules.privacy.kinds)
  const inHistory = input.history?.length ? detectPrivateTurns(input.history, rules.privacy.kinds) : []
  if (inPrompt.length === 0 && inHistory.length === 0) return null
  const privacy = rules.privacy.kinds.filter((k) => inPrompt.includes(k) || inHistory.some((f) => f.kinds.includes(k)))
  const ignored = directive?.tier === 'cloud' ? ' The @cloud directive is ignored for such prompts.' : ''
  const gate = `${privacyGate(inPrompt, inHistory)}, so it never leaves this machine.${ignored}`
  const detail = {
    privacy,
    gate,
    ...(inHistory.length ? { privacyTurns: inHistory } : {}),
    ...(directive ? { directive: directive.token } : {}),
  }
  return { gate, detail }
}

const privacyPin = (gate: string) => `Privacy pin: ${gate}`

/** What the rules verdict says when the request chose its tier and nothing private was found. */
export const PRIVACY_CHECK_ONLY = 'privacy check only, as the request pinned the tier: no private data found; complexity not scored'
const PRIVACY_CHECK_OFF = 'not run: the request pinned the tier, and the privacy check is off in the policy'

export function createRulesPillar(): Pillar {
  return {
    id: 'rules',
    evaluate(input: PillarInput): PillarVerdict {
      const t0 = performance.now()
      const ms = () => msSince(t0)
      const rules = input.policy.rules
      if (!rules.enabled) return abstain('rules', 'rules are disabled in the policy', ms())
      const compiled = compile(rules)
      const { prompt, tokens } = input
      const a = analyseComplexity(prompt, tokens, rules)
      const detail = {
        tokens,
        lengthPoints: a.lengthPoints,
        kinds: a.kinds,
        triggers: a.triggers.map((t) => t.id),
        numbers: a.numbers,
      }
      const base = { pillar: 'rules' as const, score: a.score, confidence: a.confidence }

      const directive = directiveOf(prompt, compiled)
      // `gate` is the one sentence the explanation's headline uses; `reason` adds the evidence.
      const found = findPrivateData(input, rules, directive)
      if (found) {
        return {
          ...base,
          status: 'short-circuit',
          tier: 'local',
          pin: 'privacy',
          reason: `${privacyPin(found.gate)} Complexity evidence: ${summary(tokens, a, rules)}`,
          ms: ms(),
          detail: { ...detail, ...found.detail },
        }
      }
      if (directive) {
        const gate = `The prompt asks for ${TIER_NAMES[directive.tier]} explicitly.`
        return {
          ...base,
          status: 'short-circuit',
          tier: directive.tier,
          pin: 'override',
          reason: `Override: ${gate} Complexity evidence: ${summary(tokens, a, rules)}`,
          ms: ms(),
          detail: { ...detail, override: directive.tier, directive: directive.token, gate },
        }
      }
      const safe = safeMatch(prompt, tokens, a, rules, compiled)
      if (safe) {
        const gate = `${SAFE_REASONS[safe.kind]} (safe list): a local model answers it well.`
        return {
          ...base,
          score: Math.min(a.score, rules.safeList.maxScore),
          confidence: 0.9,
          status: 'short-circuit',
          tier: 'local',
          pin: 'safe-list',
          reason: `${gate} (${tokens} tokens)`,
          ms: ms(),
          detail: { ...detail, safe: safe.id, gate },
        }
      }
      return { ...base, status: 'scored', reason: summary(tokens, a, rules), ms: ms(), detail }
    },
    // The same privacy pin as `evaluate` (gate sentence, kinds, turns, directive), with no
    // complexity analysis, summary or token count: a pinned tier leaves nothing to score.
    checkPrivacy(input: PrivacyInput): PillarVerdict {
      const t0 = performance.now()
      const rules = input.policy.rules
      if (!rules.enabled) return abstain('rules', 'rules are disabled in the policy', msSince(t0))
      if (!rules.privacy.enabled) return abstain('rules', PRIVACY_CHECK_OFF, msSince(t0))
      const directive = directiveOf(input.prompt, compile(rules))
      const found = findPrivateData(input, rules, directive)
      if (!found) return abstain('rules', PRIVACY_CHECK_ONLY, msSince(t0), directive ? { directive: directive.token } : undefined)
      return {
        pillar: 'rules',
        status: 'short-circuit',
        score: null,
        confidence: 0,
        tier: 'local',
        pin: 'privacy',
        reason: privacyPin(found.gate),
        ms: msSince(t0),
        detail: found.detail,
      }
    },
  }
}
