import type { PillarVerdict } from '../../../../shared/decision'
import type { PillarInput } from '../../pillars/pillar'
import { parseChoiceQuestion } from './choice-question'
import { combinerAbstains, type Combiner } from './combiner'

/** The combiner's place in a decision: after rules and semantic, reading their verdicts. */
export interface CombinerStep {
  evaluate(input: PillarInput, trace: readonly PillarVerdict[]): Promise<PillarVerdict>
}

/**
 * Runs the combiner on the verdicts of rules and semantic and the prompt's embedding. The
 * embedding comes from the same embedder the semantic pillar just used, so it is a cache hit;
 * when the semantic pillar could not embed the prompt (model loading, unknown words), the
 * combiner abstains rather than wait for a model. `embed` takes a batch: a multiple-choice
 * question's prompt, stem and options go in one call.
 */
export function createCombinerStep(opts: { combiner: Combiner; embed: (texts: readonly string[]) => Promise<Float32Array[]> }): CombinerStep {
  return {
    async evaluate(input, trace) {
      const rules = trace.find((v) => v.pillar === 'rules') ?? null
      const semantic = trace.find((v) => v.pillar === 'semantic') ?? null
      if (!semantic || semantic.status === 'abstained') return combinerAbstains('not scored: it needs the prompt embedding the semantic pillar had none of')
      const question = opts.combiner.ranksChoiceQuestions ? parseChoiceQuestion(input.prompt) : null
      // A multiple-choice question is ranked by how its stem and options relate, so each is embedded too.
      const [embedding, stem, ...options] = await opts.embed(question ? [input.prompt, question.stem, ...question.options] : [input.prompt])
      if (embedding!.length !== opts.combiner.dimensions) {
        return combinerAbstains(`not scored: trained on ${opts.combiner.dimensions}-dimension embeddings, got ${embedding!.length}`)
      }
      const features = { prompt: input.prompt, tokens: input.tokens, rules, semantic, embedding: embedding! }
      if (!question) return opts.combiner.verdict(features)
      return opts.combiner.verdict(features, { question, embeddings: { stem: stem!, options } })
    },
  }
}
