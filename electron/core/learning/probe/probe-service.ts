import type { OllamaStatus } from '../../../../shared/ollama'
import type { ProbeProgress, ProbeResults, ProbeStatus } from '../../../../shared/probe'
import type { OllamaBridge } from '../../ollama/bridge'
import { chooseDefaultLocalModel } from '../../providers/ollama-provider'
import { ProbeOffsetSource, probeOffsets } from './probe-offsets'
import { probeResultsFile, type ProbeResultsFile } from './probe-results-file'
import { probeChatViaBridge, runProbe, type ProbeModel, type ProbeRun, type ProbeRunOptions } from './probe-runner'
import { loadProbeSet, type ProbeItem } from './probe-set'
import { errorMessage } from '../../../../shared/errors'

export interface ProbeServiceOptions {
  bridge: Pick<OllamaBridge, 'detect' | 'complete'>
  dataDir: string | null
  log?: (line: string) => void
  /** Told every step and every change of state (the hosts forward these as events). */
  onProgress?: (progress: ProbeProgress) => void
  onStatus?: (status: ProbeStatus) => void
  /** Timeouts and budget of each run (tests shorten them). */
  limits?: Pick<ProbeRunOptions, 'itemTimeoutMs' | 'loadTimeoutMs' | 'budgetMs' | 'maxTokens' | 'now'>
  items?: () => Promise<readonly ProbeItem[]>
}

/** The model a self-check runs on: the one named, else the one the local tier picks when none is loaded. */
export function chooseProbeModel(status: OllamaStatus, requested?: string): ProbeModel {
  if (!status.detected) {
    throw new Error(
      `Ollama is not running or not reachable (tried ${status.tried.map((t) => t.host).join(', ')}). Start it with \`ollama serve\` or set OLLAMA_HOST.`,
    )
  }
  const name = requested ?? chooseDefaultLocalModel(status.models, [])
  const model = status.models.find((m) => m.name === name || m.name === `${name}:latest`)
  if (!model) {
    const installed = status.models.map((m) => m.name).join(', ') || 'none'
    throw new Error(
      requested
        ? `model "${requested}" is not installed in Ollama (installed: ${installed})`
        : 'Ollama has no chat model installed: pull one, e.g. `ollama pull llama3.2:3b`',
    )
  }
  return { name: model.name, digest: model.digest ?? null, modifiedAt: model.modifiedAt }
}

const sameBuild = (results: ProbeResults, model: ProbeModel) =>
  results.model === model.name && results.digest === model.digest && results.modifiedAt === model.modifiedAt

/**
 * The local self-check behind `probe.start` / `probe.stop` / `probe.status`: one run at a
 * time, in the background, stoppable; a finished (or out-of-time) run is saved and its
 * pass rates become the router's offsets at once. A stopped run saves nothing, so an
 * earlier complete result is not replaced by a fragment.
 */
export class ProbeService {
  readonly offsets: ProbeOffsetSource
  private readonly file: ProbeResultsFile
  private running: { controller: AbortController; model: string; done: number; total: number; finished: Promise<ProbeRun | null> } | null = null
  private lastError: string | null = null
  private revision = 0

  constructor(private readonly options: ProbeServiceOptions) {
    this.file = probeResultsFile(options.dataDir, options.log)
    this.offsets = new ProbeOffsetSource(() => this.file.value)
  }

  get results(): ProbeResults | null {
    return this.file.value
  }

  get problem() {
    return this.file.problem
  }

  status(): ProbeStatus {
    const r = this.running
    return {
      revision: this.revision,
      state: r ? (r.controller.signal.aborted ? 'stopping' : 'running') : 'idle',
      progress: r ? { model: r.model, done: r.done, total: r.total } : null,
      error: this.lastError,
      results: this.file.value,
      offsets: probeOffsets(this.file.value),
    }
  }

  /** Starts a run unless one is going; resolves once it started (or could not). */
  async start(requested?: string): Promise<ProbeStatus> {
    if (this.running) return this.status()
    try {
      await this.begin(requested)
    } catch (error) {
      this.lastError = errorMessage(error)
      this.announce()
    }
    return this.status()
  }

  /** Runs to the end and returns the run (the CLI's way); throws when it cannot start. */
  async run(requested?: string, signal?: AbortSignal): Promise<ProbeRun> {
    if (this.running) throw new Error('a self-check is already running')
    const { finished } = await this.begin(requested)
    const stop = () => this.stop()
    signal?.addEventListener('abort', stop, { once: true })
    try {
      const run = await finished
      if (!run) throw new Error(this.lastError ?? 'the self-check failed')
      return run
    } finally {
      signal?.removeEventListener('abort', stop)
    }
  }

  stop(): ProbeStatus {
    if (!this.running) return this.status()
    this.running.controller.abort()
    this.announce()
    return this.status()
  }

  /**
   * Re-runs the self-check when the local model changed since the stored run (another model
   * chosen, or the same name re-pulled with a new digest). Nothing happens before a first run
   * by the user, while a run is going, or when Ollama is away.
   */
  async recheckModel(): Promise<boolean> {
    const stored = this.file.value
    if (!stored || this.running) return false
    let model: ProbeModel
    try {
      model = chooseProbeModel(await this.options.bridge.detect(true))
    } catch {
      return false
    }
    if (sameBuild(stored, model)) return false
    this.options.log?.(`local model changed (${stored.model} → ${model.name}${model.name === stored.model ? ', new build' : ''}): running the self-check again`)
    await this.start(model.name)
    return true
  }

  /** Picks up results another process saved (`routellm probe` beside a running host); true when they changed. */
  async follow(): Promise<boolean> {
    const changed = await this.file.refresh().catch(() => false)
    if (changed) this.announce()
    return changed
  }

  /** Waits for the run in flight, if any (shutdown, tests). */
  async idle(): Promise<void> {
    await this.running?.finished
  }

  /** Starts a run; `finished` settles when it ends (wrapped: an async function would wait for it). */
  private async begin(requested?: string): Promise<{ finished: Promise<ProbeRun | null> }> {
    const model = chooseProbeModel(await this.options.bridge.detect(true), requested)
    const items = await (this.options.items ?? (async () => (await loadProbeSet()).items))()
    if (this.running) throw new Error('a self-check is already running')
    const controller = new AbortController()
    this.lastError = null
    const finished = runProbe({
      chat: probeChatViaBridge(this.options.bridge),
      model,
      items,
      signal: controller.signal,
      ...this.options.limits,
      onProgress: (p) => {
        if (this.running) this.running.done = p.done
        this.options.onProgress?.(p)
      },
    })
      .then((run) => {
        if (run.cutShort !== 'stopped') this.file.save(run.results)
        return run
      })
      .catch((error: unknown) => {
        this.lastError = `the self-check failed: ${errorMessage(error)}`
        return null
      })
      .finally(() => {
        this.running = null
        this.announce()
      })
    this.running = { controller, model: model.name, done: 0, total: items.length, finished }
    this.announce()
    return { finished }
  }

  private announce(): void {
    this.revision++
    this.options.onStatus?.(this.status())
  }
}
