import type { OllamaBridge } from '../ollama/bridge'
import { createJudgePillar, type JudgeChat, type JudgePillar, type JudgePillarOptions } from '../pillars/judge'
import type { Policy } from '../../../shared/policy'
import type { Pillar } from '../pillars/pillar'
import { createRulesPillar } from '../pillars/rules'
import type { SemanticPillar, SemanticPillarOptions } from '../pillars/semantic'
import { loadCombiner } from './combiner/combiner'
import { createCombinerStep, type CombinerStep } from './combiner/step'
import { errorMessage } from '../../../shared/errors'

export interface StandardPillarsOptions {
  /** The policy in force: its `semantic` section configures the semantic pillar from the start (warm-up included). */
  policy: () => Policy
  /** Options of the semantic pillar, or false to leave it out. */
  semantic?: SemanticPillarOptions | false
  /** Wait until the embedding model is loaded (the CLI does; hosts warm up in the background). */
  warmup?: boolean
  /** The SLM judge; it still runs only when the policy enables it. */
  judge?: JudgePillarOptions | null
  /** The learned combiner's weights file, or false to route without it (default: the bundled one). */
  combiner?: string | false
  warn?: (message: string) => void
}

export interface StandardPillars {
  /** In the order the router runs them: rules (fast path) first. */
  pillars: Pillar[]
  rules: Pillar
  semantic: SemanticPillar | null
  judge: JudgePillar | null
  /** The learned combiner (needs the semantic pillar's embedding), or null. */
  combiner: CombinerStep | null
  dispose(): Promise<void>
}

/**
 * Rules, semantic and judge pillars, as both hosts and the CLI use them. The semantic pillar
 * is loaded dynamically: when its module or model cannot load, routing carries on without it.
 */
export async function createStandardPillars(opts: StandardPillarsOptions): Promise<StandardPillars> {
  const rules = createRulesPillar()
  let semantic: SemanticPillar | null = null
  if (opts.semantic !== false) {
    try {
      const { createSemanticPillar } = await import('../pillars/semantic')
      semantic = createSemanticPillar({ settings: () => opts.policy().semantic, ...(opts.warn ? { clusterLog: opts.warn } : {}), ...opts.semantic })
      if (opts.warmup) {
        const status = await semantic.warmup()
        if (status.state === 'error') opts.warn?.(`semantic router unavailable: ${status.error}`)
      }
    } catch (error) {
      opts.warn?.(`semantic router not loaded: ${errorMessage(error)}`)
      semantic = null
    }
  }
  const judge = opts.judge ? createJudgePillar(opts.judge) : null
  const pillars: Pillar[] = [rules, ...(semantic ? [semantic] : []), ...(judge ? [judge] : [])]
  let combiner: CombinerStep | null = null
  if (semantic && opts.combiner !== false) {
    try {
      const loaded = await loadCombiner(...(typeof opts.combiner === 'string' ? [opts.combiner] : []))
      const embedder = semantic.embedder(loaded.embeddingModel)
      combiner = createCombinerStep({ combiner: loaded, embed: (texts) => embedder.embed(texts) })
    } catch (error) {
      opts.warn?.(`learned combiner not loaded, routing on rules and semantic: ${errorMessage(error)}`)
    }
  }
  return {
    pillars,
    rules,
    semantic,
    judge,
    combiner,
    dispose: async () => {
      await semantic?.dispose()
    },
  }
}

/** The judge's chat over the Ollama bridge: one system + user message, schema-constrained, temperature 0. */
export function judgeChatViaBridge(bridge: Pick<OllamaBridge, 'chat'>): JudgeChat {
  return async (req) => {
    let text = ''
    const stream = bridge.chat({
      model: req.model,
      messages: [
        { role: 'system', content: req.system },
        { role: 'user', content: req.prompt },
      ],
      format: req.format as unknown as Record<string, unknown>,
      options: { temperature: req.temperature },
      signal: req.signal,
    })
    for await (const chunk of stream) text += chunk.text
    return text
  }
}
