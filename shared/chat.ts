import { z } from 'zod'
import { Decision, Tier } from './decision'
import { Hop } from './health'

/** A prompt is at most 1 MB of text: bigger payloads are rejected by schema, not crashed on. */
export const MAX_PROMPT_CHARS = 1_000_000

export const Prompt = z.string().min(1, 'prompt must not be empty').max(MAX_PROMPT_CHARS, `prompt must be at most ${MAX_PROMPT_CHARS} characters`)

/** Most earlier turns a conversation may send with a prompt (every path: chat.start, /v1). */
export const MAX_HISTORY_TURNS = 500

/** Earlier turns of a conversation, sent to the model before the prompt (not routed on). */
export const ChatTurn = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(MAX_PROMPT_CHARS),
})
export type ChatTurn = z.infer<typeof ChatTurn>

export const ChatStart = z.object({
  prompt: Prompt,
  /** Force a tier for this prompt (user override); the decision records it. */
  tier: Tier.optional(),
  /** Conversation so far (system prompt, earlier turns); routed on `prompt`, and private data in any turn pins it local. */
  history: z.array(ChatTurn).max(MAX_HISTORY_TURNS).optional(),
  /** "Retry in the cloud": the request id of the local answer this re-asks; telemetry counts that answer as failed. */
  retryOf: z.string().min(1).max(200).optional(),
})
export type ChatStart = z.infer<typeof ChatStart>

export const ChatPhase = z.enum(['analyzing', 'routing', 'generating', 'done', 'error', 'aborted'])
export type ChatPhase = z.infer<typeof ChatPhase>

export const ChatStatus = z.object({
  requestId: z.string(),
  phase: ChatPhase,
  /**
   * Milliseconds from the start of the request to this event, measured by the engine: the
   * dashboard shows how long each phase took as the difference between two events.
   */
  elapsedMs: z.number().nonnegative().optional(),
  decision: Decision.optional(),
  /** Human-readable: what went wrong, never a key or the raw upstream body. */
  error: z.string().optional(),
  servedBy: z.object({ tier: Tier, endpoint: z.string(), model: z.string() }).optional(),
  usage: z
    .object({
      inputTokens: z.number(),
      outputTokens: z.number(),
      ttftMs: z.number().nullable(),
      totalMs: z.number(),
      /** What this answer cost in US dollars (0 for local models). */
      costUsd: z.number().nonnegative().optional(),
    })
    .optional(),
  /** Failed attempts before the arm in `servedBy` (failover), in order. */
  hops: z.array(Hop).optional(),
  /** Set on an error after tokens were streamed: the text already sent is incomplete. */
  interrupted: z.boolean().optional(),
})
export type ChatStatus = z.infer<typeof ChatStatus>

export const ChatToken = z.object({ requestId: z.string(), text: z.string() })
export type ChatToken = z.infer<typeof ChatToken>
