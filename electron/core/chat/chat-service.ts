import { randomUUID } from 'node:crypto'
import type { ChatStart, ChatStatus } from '../../../shared/chat'
import type { Decision, Tier } from '../../../shared/decision'
import type { EventBus } from '../event-bus'
import { OllamaError, type OllamaBridge } from '../ollama/bridge'

/** What the chat flow needs from the engine: a decision for a prompt. */
export interface DecisionMaker {
  decide(prompt: string, options?: { tier?: Tier; signal?: AbortSignal }): Promise<Decision>
}

/** What happened to one generation, for telemetry and the bandit. */
export interface ChatOutcome {
  requestId: string
  decision: Decision
  ok: boolean
  aborted: boolean
  ttftMs: number | null
  totalMs: number
  inputTokens: number
  outputTokens: number
}

export interface ChatServiceDeps {
  router: DecisionMaker
  bridge: OllamaBridge
  bus: EventBus
  onOutcome?: (outcome: ChatOutcome) => void
}

/**
 * The generate flow: analyzing → routing → generating → done | error | aborted, pushed as
 * `chat.status` events, with the answer pushed as `chat.token` events. `start` returns at
 * once with the request id so a front end can subscribe before the first token.
 */
export class ChatService {
  private readonly running = new Map<string, AbortController>()

  constructor(private readonly deps: ChatServiceDeps) {}

  start(input: ChatStart): { requestId: string } {
    const requestId = randomUUID()
    const controller = new AbortController()
    this.running.set(requestId, controller)
    void this.run(requestId, input, controller.signal).finally(() => this.running.delete(requestId))
    return { requestId }
  }

  stop(requestId: string): boolean {
    const controller = this.running.get(requestId)
    if (!controller) return false
    controller.abort()
    return true
  }

  /** Abort everything in flight (host shutdown). */
  stopAll(): void {
    for (const controller of this.running.values()) controller.abort()
  }

  get inFlight(): number {
    return this.running.size
  }

  private status(status: ChatStatus): void {
    this.deps.bus.emit('chat.status', status)
  }

  private async run(requestId: string, input: ChatStart, signal: AbortSignal): Promise<void> {
    const started = performance.now()
    this.status({ requestId, phase: 'analyzing' })
    let decision: Decision
    try {
      decision = await this.deps.router.decide(input.prompt, { ...(input.tier ? { tier: input.tier } : {}), signal })
    } catch (error) {
      this.status({ requestId, phase: 'error', error: `routing failed: ${(error as Error).message}` })
      return
    }
    this.status({ requestId, phase: 'routing', decision })
    if (signal.aborted) {
      this.status({ requestId, phase: 'aborted', decision })
      return
    }
    if (!decision.model || !decision.endpoint) {
      this.status({ requestId, phase: 'error', decision, error: noModelMessage(decision.tier) })
      return
    }
    const servedBy = { tier: decision.tier, endpoint: decision.endpoint, model: decision.model }
    this.status({ requestId, phase: 'generating', decision, servedBy })

    let ttftMs: number | null = null
    let usage = { inputTokens: 0, outputTokens: 0 }
    const outcome = (ok: boolean, aborted: boolean): ChatOutcome => ({
      requestId,
      decision,
      ok,
      aborted,
      ttftMs,
      totalMs: performance.now() - started,
      ...usage,
    })
    try {
      const stream = this.deps.bridge.chat({
        model: decision.model,
        messages: [{ role: 'user', content: input.prompt }],
        signal,
      })
      for await (const chunk of stream) {
        if (chunk.text) {
          ttftMs ??= performance.now() - started
          this.deps.bus.emit('chat.token', { requestId, text: chunk.text })
        }
        if (chunk.usage) usage = chunk.usage
      }
      const result = outcome(true, false)
      this.status({
        requestId,
        phase: 'done',
        decision,
        servedBy,
        usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, ttftMs, totalMs: result.totalMs },
      })
      this.deps.onOutcome?.(result)
    } catch (error) {
      const aborted = error instanceof OllamaError && error.kind === 'aborted'
      this.status({
        requestId,
        phase: aborted ? 'aborted' : 'error',
        decision,
        servedBy,
        ...(aborted ? {} : { error: error instanceof OllamaError ? error.message : 'generation failed' }),
      })
      this.deps.onOutcome?.(outcome(false, aborted))
    }
  }
}

function noModelMessage(tier: Tier): string {
  return tier === 'local'
    ? 'No local model is available: start Ollama and pull a model (for example `ollama pull llama3.2`).'
    : 'No cloud endpoint is configured for this prompt.'
}
