import type { ProbeClusterResult, ProbeProgress, ProbeResults } from '../../../../shared/probe'
import type { OllamaBridge } from '../../ollama/bridge'
import { checkAnswer, type ProbeItem } from './probe-set'
import { errorMessage } from '../../../../shared/errors'
import { withTimeout } from '../../lib/with-timeout'

/** One non-streamed answer from the local model; must stop when `signal` aborts. */
export type ProbeChat = (req: { model: string; prompt: string; maxTokens: number; signal: AbortSignal }) => Promise<string>

/** The exact build of a local model: a re-pulled model keeps its name and changes these. */
export interface ProbeModel {
  name: string
  digest: string | null
  modifiedAt: string | null
}

export interface ProbeRunOptions {
  chat: ProbeChat
  model: ProbeModel
  items: readonly ProbeItem[]
  /** Stops the run: the answer in flight is abandoned and the rest is skipped. */
  signal?: AbortSignal
  onProgress?: (progress: ProbeProgress) => void
  /** Longest wait for one answer (default 10 s). */
  itemTimeoutMs?: number
  /** Extra time the first answer may take while Ollama loads the model (default 30 s). */
  loadTimeoutMs?: number
  /** The whole run's time budget (default 100 s): probes that do not fit are skipped. */
  budgetMs?: number
  /** Answers are short (a number, a word, a small JSON object); this caps each one. */
  maxTokens?: number
  now?: () => number
}

export const PROBE_DEFAULTS = { itemTimeoutMs: 10_000, loadTimeoutMs: 30_000, budgetMs: 100_000, maxTokens: 64 } as const

export interface ProbeRun {
  /** Why the run ended before every probe ran, or null. */
  cutShort: 'stopped' | 'out of time' | null
  results: ProbeResults
}

class ItemTimeout extends Error {}

/**
 * Interleaves the clusters (first probe of each cluster, then the second of each, …), so a
 * run that the time budget cuts short still has some answers from every cluster.
 */
export function interleaveByCluster(items: readonly ProbeItem[]): ProbeItem[] {
  const byCluster = new Map<string, ProbeItem[]>()
  for (const item of items) byCluster.set(item.cluster, [...(byCluster.get(item.cluster) ?? []), item])
  const queues = [...byCluster.values()]
  const out: ProbeItem[] = []
  for (let round = 0; out.length < items.length; round++) for (const q of queues) if (q[round]) out.push(q[round]!)
  return out
}

/**
 * Runs the probe set on one local model at temperature 0, one probe at a time, each within
 * its timeout and all within the run's budget, and counts passes per cluster. Never throws
 * for a failed answer: an error or a timeout is that probe's failure.
 */
export async function runProbe(options: ProbeRunOptions): Promise<ProbeRun> {
  const now = options.now ?? Date.now
  const itemTimeoutMs = options.itemTimeoutMs ?? PROBE_DEFAULTS.itemTimeoutMs
  const loadTimeoutMs = options.loadTimeoutMs ?? PROBE_DEFAULTS.loadTimeoutMs
  const budgetMs = options.budgetMs ?? PROBE_DEFAULTS.budgetMs
  const maxTokens = options.maxTokens ?? PROBE_DEFAULTS.maxTokens
  const stop = options.signal ?? new AbortController().signal
  const started = now()
  const order = interleaveByCluster(options.items)
  const tally = new Map<string, ProbeClusterResult>()
  for (const item of order) tally.set(item.cluster, tally.get(item.cluster) ?? { cluster: item.cluster, passed: 0, run: 0, skipped: 0 })
  let cutShort: ProbeRun['cutShort'] = null
  let done = 0

  for (const [index, item] of order.entries()) {
    const entry = tally.get(item.cluster)!
    const left = budgetMs - (now() - started)
    if (stop.aborted || left <= 0) {
      cutShort ??= stop.aborted ? 'stopped' : 'out of time'
      entry.skipped++
      continue
    }
    const limit = Math.min(itemTimeoutMs + (index === 0 ? loadTimeoutMs : 0), left)
    let passed = false
    let note: string
    try {
      const answer = await withTimeout(
        (signal) => options.chat({ model: options.model.name, prompt: item.prompt, maxTokens, signal }),
        limit,
        () => new ItemTimeout(),
        stop,
      )
      ;({ passed, note } = checkAnswer(item.check, answer))
    } catch (error) {
      if (stop.aborted) {
        cutShort = 'stopped'
        entry.skipped++
        continue
      }
      if (error instanceof ItemTimeout && limit < itemTimeoutMs) {
        // The budget, not the model, ended this probe: it was not given a fair chance.
        cutShort = 'out of time'
        entry.skipped++
        continue
      }
      note = error instanceof ItemTimeout ? `no answer within ${limit} ms` : `failed: ${errorMessage(error)}`
    }
    entry.run++
    if (passed) entry.passed++
    done++
    options.onProgress?.({ model: options.model.name, done, total: order.length, itemId: item.id, cluster: item.cluster, passed, note })
  }

  return {
    cutShort,
    results: {
      version: 1,
      model: options.model.name,
      digest: options.model.digest,
      modifiedAt: options.model.modifiedAt,
      startedAt: new Date(started).toISOString(),
      ms: Math.max(0, now() - started),
      partial: cutShort !== null,
      clusters: [...tally.values()].sort((a, b) => a.cluster.localeCompare(b.cluster)),
    },
  }
}

/** The probe's chat over the Ollama bridge: the real `ollama` client, temperature 0, a token cap, not streamed. */
export function probeChatViaBridge(bridge: Pick<OllamaBridge, 'complete'>): ProbeChat {
  return ({ model, prompt, maxTokens, signal }) =>
    bridge
      .complete({ model, messages: [{ role: 'user', content: prompt }], options: { temperature: 0, num_predict: maxTokens }, signal })
      .then((answer) => answer.text)
}
