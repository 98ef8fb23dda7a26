/**
 * The cross-validated figures stored in the combiner artefact, for the data file they were
 * measured on. Scoring a file the combiner was trained on measures it in-sample; the honest
 * figures come from training, where every prompt was scored by models that never saw its
 * subject (or fold). They are only shown when the file's sha256 is one the artefact records.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { defaultCombinerFile } from './combiner'

const Figures = z.object({
  apgr: z.record(z.string(), z.number()),
  /** Parts whose folds are drawn by seed (word problems): the APGR's mean and spread over the seeds; `apgr` holds the first seed's. */
  apgrOverSeeds: z.record(z.string(), z.object({ mean: z.number(), sd: z.number(), seeds: z.number() })).optional(),
  lengthApgr: z.record(z.string(), z.number()),
  routing: z.object({ auroc: z.number(), cloudRecall: z.number(), localShare: z.number(), accuracy: z.number() }),
})

const Stored = z.object({
  training: z.object({ data: z.array(z.object({ file: z.string(), sha256: z.string() })) }),
  crossValidated: z.object({ method: z.string(), index: Figures }),
})

export interface CrossValidatedFigures extends z.infer<typeof Figures> {
  /** How the folds were made. */
  method: string
  /** The training file the evaluated data matched, by sha256. */
  trainedOn: string
}

/** The artefact's cross-validated index figures when `dataFile` is one of its training files, else null. */
export async function crossValidatedFor(dataFile: string, combinerFile = defaultCombinerFile()): Promise<CrossValidatedFigures | null> {
  let stored: z.infer<typeof Stored>
  try {
    const parsed = Stored.safeParse(JSON.parse(await readFile(combinerFile, 'utf8')))
    if (!parsed.success) return null
    stored = parsed.data
  } catch {
    // No artefact, or an unreadable one: the engine already warned when loading it.
    return null
  }
  const sha256 = createHash('sha256')
    .update(await readFile(dataFile))
    .digest('hex')
  const match = stored.training.data.find((d) => d.sha256 === sha256)
  return match ? { ...stored.crossValidated.index, method: stored.crossValidated.method, trainedOn: match.file } : null
}
