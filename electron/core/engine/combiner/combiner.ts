/**
 * The learned combiner as the engine runs it: the weights trained by `npm run router:train`
 * (resources/router/combiner.json), read once at start-up, applied to the features of one
 * prompt in microseconds. Its verdict goes into the trace like any pillar's, with the
 * features that pushed it most.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { PillarVerdict } from '../../../../shared/decision'
import { abstain } from '../../pillars/pillar'
import { probabilityToIndex } from '../compose'
import { extractFeatures, featureNames, type FeatureInput } from './features'
import { bundledResource } from '../../lib/bundled-resource'

const Numbers = z.array(z.number().finite())

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
  })
  .refine((a) => a.mean.length === a.features.length && a.scale.length === a.features.length && a.weights.length === a.features.length, {
    message: 'features, mean, scale and weights must have the same length',
  })
  .refine((a) => a.scale.every((s) => s > 0), { message: 'every scale must be positive' })
export type CombinerArtefact = z.infer<typeof CombinerArtefact>

export interface Combiner {
  readonly embeddingModel: string
  readonly dimensions: number
  /** The verdict for one prompt, from its features. */
  verdict(input: FeatureInput): PillarVerdict
}

/** Embedding dimensions are one feature for the explanation: together they say what the prompt is about. */
const groupOf = (name: string) => (name.startsWith('embedding-') ? 'topic (embedding)' : name)

export function createCombiner(artefact: CombinerArtefact): Combiner {
  const dimensions = artefact.features.filter((f) => f.startsWith('embedding-')).length
  const expected = featureNames(dimensions)
  if (expected.join() !== artefact.features.join()) throw new Error('the combiner was trained on other features than this version computes')
  const { mean, scale, weights, bias } = artefact
  return {
    embeddingModel: artefact.embeddingModel,
    dimensions,
    verdict(input) {
      const t0 = performance.now()
      const x = extractFeatures(input)
      let z = bias
      const pushes = new Map<string, number>()
      for (let j = 0; j < weights.length; j++) {
        const push = weights[j]! * ((x[j]! - mean[j]!) / scale[j]!)
        z += push
        const group = groupOf(expected[j]!)
        pushes.set(group, (pushes.get(group) ?? 0) + push)
      }
      const p = 1 / (1 + Math.exp(-z))
      const top = [...pushes].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 3)
      const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`
      return {
        pillar: 'learned',
        status: 'scored',
        score: Math.round(probabilityToIndex(p, artefact.evenOddsIndex) * 10) / 10,
        // Sure when far from even odds.
        confidence: Math.round(Math.abs(2 * p - 1) * 100) / 100,
        reason: `chance the local model falls short ${Math.round(p * 100)}%; strongest features: ${top.map(([name, v]) => `${name} ${signed(v)}`).join(', ')}`,
        ms: Math.round((performance.now() - t0) * 1000) / 1000,
        detail: { probability: Math.round(p * 1000) / 1000, logOdds: Math.round(z * 100) / 100, top: top.map(([feature, push]) => ({ feature, push: Math.round(push * 100) / 100 })) },
      }
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
    throw new Error(`learned combiner ${file} unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error })
  }
  const parsed = CombinerArtefact.safeParse(raw)
  if (!parsed.success) throw new Error(`learned combiner ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  return createCombiner(parsed.data)
}

/** The trace entry when the combiner cannot score (no embedding yet, a gate decided). */
export const combinerAbstains = (reason: string): PillarVerdict => abstain('learned', reason, 0)
