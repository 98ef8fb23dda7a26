/**
 * The learned combiner as the engine runs it: the weights trained by `npm run router:train`
 * (resources/router/combiner.json), read once at start-up, applied to the features of one
 * prompt in microseconds. Its verdict goes into the trace like any pillar's, with the
 * features that pushed it most.
 */
import { probabilityToIndex } from '../../../../shared/complexity'
import { logistic, round } from '../../../../shared/numbers'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { PillarVerdict } from '../../../../shared/decision'
import { abstain } from '../../pillars/pillar'
import { extractFeatures, featureNames, type FeatureInput } from './features'
import { bundledResource } from '../../lib/bundled-resource'
import { errorMessage } from '../../../../shared/errors'
import { msSince } from '../../lib/elapsed'
import { CHOICE_FEATURES, choiceFeatures, type ChoiceEmbeddings, type ChoiceQuestion } from './choice-question'
import { rankingScore } from './within-group'
import { isWordProblem, WORD_PROBLEM_FEATURES, wordProblemFeatures, wordProblemInput } from './word-problem'
import { topicNames } from './topic-axes'

const Numbers = z.array(z.number().finite())

/**
 * A head for one kind of prompt (multiple-choice questions, word problems): a ranking learned
 * on outcome data (which prompts the weak model gets wrong and the strong one right), and a
 * calibration of its score to the chance that the local model falls short.
 */
const headFields = {
  features: z.array(z.string()),
  mean: Numbers,
  scale: Numbers,
  weights: Numbers,
  calibration: z.object({ bias: z.number().finite(), slope: z.number().finite() }),
  training: z.record(z.string(), z.unknown()),
}
type HeadFields = z.infer<z.ZodObject<typeof headFields>>
const sameLengths = (h: HeadFields) => h.mean.length === h.features.length && h.scale.length === h.features.length && h.weights.length === h.features.length
const positiveScales = (h: HeadFields) => h.scale.every((s) => s > 0)
const LENGTHS = { message: 'head: features, mean, scale and weights must have the same length' }
const SCALES = { message: 'head: every scale must be positive' }
const Head = z.object(headFields).refine(sameLengths, LENGTHS).refine(positiveScales, SCALES)

/** The word-problem head also reads where the prompt's embedding lies on a few topic axes. */
const WordProblemHead = z
  .object({ ...headFields, topics: z.object({ mean: Numbers, axes: z.array(Numbers) }) })
  .refine(sameLengths, LENGTHS)
  .refine(positiveScales, SCALES)
  .refine((h) => h.topics.axes.every((a) => a.length === h.topics.mean.length), {
    message: 'word-problem head: every topic axis must have the length of the mean',
  })

export const CombinerArtefact = z
  .object({
    version: z.literal(1),
    embeddingModel: z.string().min(1),
    /** The index a probability of 0.5 maps to (the default threshold when trained). */
    evenOddsIndex: z.number().min(0).max(100),
    features: z.array(z.string()),
    mean: Numbers,
    scale: Numbers,
    weights: Numbers,
    bias: z.number().finite(),
    training: z.record(z.string(), z.unknown()),
    crossValidated: z.record(z.string(), z.unknown()),
    choiceHead: Head.optional(),
    wordProblemHead: WordProblemHead.optional(),
  })
  .refine((a) => a.mean.length === a.features.length && a.scale.length === a.features.length && a.weights.length === a.features.length, {
    message: 'features, mean, scale and weights must have the same length',
  })
  .refine((a) => a.scale.every((s) => s > 0), { message: 'every scale must be positive' })
export type CombinerArtefact = z.infer<typeof CombinerArtefact>
type HeadArtefact = z.infer<typeof Head>

export interface Combiner {
  readonly embeddingModel: string
  readonly dimensions: number
  /** True when multiple-choice questions are ranked by their own head (it needs their stem and option embeddings). */
  readonly ranksChoiceQuestions: boolean
  /**
   * The verdict for one prompt, from its features; a parsed multiple-choice question goes to
   * the choice head, a maths word problem to the word-problem head.
   */
  verdict(input: FeatureInput, choice?: { question: ChoiceQuestion; embeddings: ChoiceEmbeddings }): PillarVerdict
}

/** The head's input: the combiner's scalar features (no embedding), then the question's own. */
export const choiceHeadFeatures = () => [...featureNames(0), ...CHOICE_FEATURES]

const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`

/** The three groups that pushed a score most, largest first. */
function topPushes(pushes: Map<string, number>) {
  return [...pushes].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 3)
}

/** Embedding dimensions are one feature for the explanation: together they say what the prompt is about. */
const groupOf = (name: string) => (name.startsWith('embedding-') ? 'topic (embedding)' : name)

export function createCombiner(artefact: CombinerArtefact): Combiner {
  const dimensions = artefact.features.filter((f) => f.startsWith('embedding-')).length
  const expected = featureNames(dimensions)
  if (expected.join() !== artefact.features.join()) throw new Error('the combiner was trained on other features than this version computes')
  const { mean, scale, weights, bias } = artefact
  const head = artefact.choiceHead
  if (head && head.features.join() !== choiceHeadFeatures().join()) throw new Error('the choice head was trained on other features than this version computes')
  const wordHead = artefact.wordProblemHead
  if (wordHead && wordHead.features.join() !== [...WORD_PROBLEM_FEATURES, ...topicNames(wordHead.topics.axes.length)].join())
    throw new Error('the word-problem head was trained on other features than this version computes')
  const scalarCount = featureNames(0).length
  return {
    embeddingModel: artefact.embeddingModel,
    dimensions,
    ranksChoiceQuestions: head !== undefined,
    verdict(input, choice) {
      const t0 = performance.now()
      // The word-problem head reads the story and its topic: the pillars' verdicts tell kinds of task apart, not word problems from each other.
      if (wordHead && !choice && isWordProblem(input.prompt))
        return headVerdict(
          WORD_PROBLEM_HEAD,
          wordHead,
          artefact.evenOddsIndex,
          wordProblemInput(wordHead.topics, wordProblemFeatures(input.prompt), input.embedding),
          t0,
        )
      const x = extractFeatures(input)
      if (head && choice)
        return headVerdict(
          CHOICE_HEAD,
          head,
          artefact.evenOddsIndex,
          [...x.subarray(0, scalarCount), ...choiceFeatures(choice.question, choice.embeddings, input.prompt.length)],
          t0,
        )
      let z = bias
      const pushes = new Map<string, number>()
      for (let j = 0; j < weights.length; j++) {
        const push = weights[j]! * ((x[j]! - mean[j]!) / scale[j]!)
        z += push
        const group = groupOf(expected[j]!)
        pushes.set(group, (pushes.get(group) ?? 0) + push)
      }
      const top = topPushes(pushes)
      const p = logistic(z)
      return {
        ...probabilityVerdict(p, artefact.evenOddsIndex, top, t0),
        detail: { probability: round(p, 3), logOdds: round(z, 2), top: top.map(([feature, push]) => ({ feature, push: round(push, 2) })) },
      }
    },
  }
}

const round3 = (x: number) => round(x, 3)

const shortfall = (p: number, top: [string, number][]) =>
  `chance the local model falls short ${Math.round(p * 100)}%; strongest features: ${top.map(([name, v]) => `${name} ${signed(v)}`).join(', ')}`

/** Score, confidence and reason of a probability that the local model falls short. */
export function probabilityVerdict(p: number, evenOddsIndex: number, top: [string, number][], t0: number): Omit<PillarVerdict, 'detail'> {
  return {
    pillar: 'learned',
    status: 'scored',
    score: round(probabilityToIndex(p, evenOddsIndex), 1),
    // Sure when far from even odds.
    confidence: round(Math.abs(2 * p - 1), 2),
    reason: shortfall(p, top),
    ms: msSince(t0),
  }
}

/** How a head's calibrated probability becomes the verdict's, and how the trace names it. */
interface HeadKind {
  name: string
  reason: string
  /** The probability the verdict places, from the head's chance that the local model falls short. */
  place: (p: number) => number
}

const CHOICE_HEAD: HeadKind = { name: 'multiple-choice', reason: 'multiple-choice question ranked within its kind', place: (p) => p }

/**
 * Every word problem takes several arithmetic steps, a small model fails about a third of
 * them, and rules and semantic already send them to the cloud: the head keeps them in the
 * cloud band (at least {@link WORD_PROBLEM_FLOOR} odds of needing the cloud) and only orders
 * them inside it, so a lower threshold or a cloud-share budget keeps the ones the cloud
 * model gains most on.
 */
export const WORD_PROBLEM_FLOOR = 0.6
/** The probability a word problem's verdict places, from the head's chance that the local model falls short. */
export const placeWordProblem = (chance: number) => WORD_PROBLEM_FLOOR + (1 - WORD_PROBLEM_FLOOR) * chance
const WORD_PROBLEM_HEAD: HeadKind = {
  name: 'word-problem',
  reason: 'maths word problem (several arithmetic steps): kept in the cloud band whatever its rank, ranked within its kind',
  place: placeWordProblem,
}

/**
 * A prompt placed by the head for its kind. `placesIndex` tells composition that this
 * verdict, not the pool with rules and semantic, places the prompt: those tell kinds of task
 * apart, and inside this kind their differences are about the subject, which the head
 * learned does not predict failure on prompts never seen.
 */
function headVerdict(kind: HeadKind, head: HeadArtefact, evenOddsIndex: number, x: readonly number[], t0: number): PillarVerdict {
  const pushes = new Map<string, number>()
  head.features.forEach((name, j) => pushes.set(name, head.weights[j]! * ((x[j]! - head.mean[j]!) / head.scale[j]!)))
  const ranking = rankingScore(head, x)
  const chance = logistic(head.calibration.bias + head.calibration.slope * ranking)
  const p = kind.place(chance)
  const top = topPushes(pushes)
  const verdict = probabilityVerdict(p, evenOddsIndex, top, t0)
  return {
    ...verdict,
    reason: `${kind.reason}: ${shortfall(chance, top)}`,
    detail: {
      head: kind.name,
      placesIndex: true,
      probability: round3(p),
      ranking: round3(ranking),
      top: top.map(([feature, push]) => ({ feature, push: round3(push) })),
    },
  }
}

/** resources/router/combiner.json: in the packaged app under process.resourcesPath, else found from this file. */
export function defaultCombinerFile(): string {
  return bundledResource('router', 'combiner.json')
}

/** Reads and checks the artefact; the error names the file and what is wrong. */
export async function loadCombiner(file = defaultCombinerFile()): Promise<Combiner> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(`learned combiner ${file} unreadable: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`, { cause: error })
  }
  const parsed = CombinerArtefact.safeParse(raw)
  if (!parsed.success)
    throw new Error(`learned combiner ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  return createCombiner(parsed.data)
}

/** The trace entry when the combiner cannot score (no embedding yet, a gate decided). */
export const combinerAbstains = (reason: string): PillarVerdict => abstain('learned', reason, 0)
