import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import type { ChatTurn } from '../../shared/chat'
import { MAX_HISTORY_TURNS, MAX_PROMPT_CHARS } from '../../shared/chat'
import { complexityScored, type Tier } from '../../shared/decision'
import type { ChatResult, ChatService } from '../core/chat/chat-service'
import { sendJsonBody } from './json-response'

/**
 * Virtual models the gateway offers: `routellm/auto` lets the router decide; the other two
 * pin the tier (a privacy-pinned prompt still stays local).
 */
export const GATEWAY_MODELS: Record<string, Tier | undefined> = {
  'routellm/auto': undefined,
  'routellm/local': 'local',
  'routellm/cloud': 'cloud',
}

const TextPart = z.object({ type: z.literal('text'), text: z.string() })
const Message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  // OpenAI accepts a string or an array of parts; only text parts can be routed here.
  content: z.union([z.string(), z.array(TextPart, { error: 'only text content parts are supported' })]),
})

/** The subset of OpenAI's chat-completions request the gateway honours. */
export const ChatCompletionRequest = z.object({
  model: z.string().min(1),
  // The prompt plus the contract's history cap: the same limit as chat.start.
  messages: z
    .array(Message)
    .min(1, 'messages must not be empty')
    .max(MAX_HISTORY_TURNS + 1, `messages: at most ${MAX_HISTORY_TURNS + 1} (the prompt and ${MAX_HISTORY_TURNS} earlier turns)`),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
})
type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>

/** OpenAI's error envelope, so SDKs raise their usual error classes. */
export function openAIError(res: ServerResponse, status: number, message: string, code: string | null, type = 'invalid_request_error'): void {
  if (res.headersSent) return void res.end()
  sendJsonBody(res, status, {}, { error: { message, type, param: null, code } })
}

export function listModels(res: ServerResponse): void {
  const created = Math.floor(Date.now() / 1000)
  sendJsonBody(res, 200, {}, { object: 'list', data: Object.keys(GATEWAY_MODELS).map((id) => ({ id, object: 'model', created, owned_by: 'routellm' })) })
}

/** Split OpenAI messages into the turn to route on (the last user message) and the history before it. */
function toConversation(request: ChatCompletionRequest): { prompt: string; history: ChatTurn[] } | string {
  const turns: ChatTurn[] = request.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
  }))
  const last = turns.at(-1)!
  if (last.role !== 'user') return 'the last message must come from the user'
  if (!last.content.trim()) return 'the last user message is empty'
  if (last.content.length > MAX_PROMPT_CHARS) return `the last user message is over ${MAX_PROMPT_CHARS} characters`
  return { prompt: last.content, history: turns.slice(0, -1) }
}

function routingHeaders(result: ChatResult): Record<string, string> {
  return {
    'x-routellm-tier': result.servedBy?.tier ?? result.decision?.tier ?? 'none',
    'x-routellm-endpoint': result.servedBy?.endpoint ?? 'none',
    'x-routellm-complexity': result.decision && complexityScored(result.decision) ? String(result.decision.complexity) : '',
  }
}

/** What RouteLLM adds to a completion: why it went where it went. Clients ignore unknown fields. */
function routingInfo(result: ChatResult) {
  return {
    tier: result.decision?.tier ?? null,
    complexity: result.decision && complexityScored(result.decision) ? result.decision.complexity : null,
    explanation: result.decision?.explanation ?? null,
    endpoint: result.servedBy?.endpoint ?? null,
    hops: result.hops.map((h) => ({ endpoint: h.endpoint, error: h.error })),
  }
}

function usageOf(result: ChatResult) {
  const input = result.usage?.inputTokens ?? 0
  const output = result.usage?.outputTokens ?? 0
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output }
}

/** Which HTTP status a failed generation maps to, before any byte was sent. */
function failureStatus(result: ChatResult): number {
  return result.hops.some((h) => h.error === 'context-length') && result.hops.every((h) => h.error === 'context-length') ? 400 : 503
}

/**
 * POST /v1/chat/completions: route the last user message, generate with failover, and
 * answer in OpenAI's format — one JSON object, or server-sent chunks ending in
 * `data: [DONE]`. A client that disconnects aborts the generation upstream.
 */
export async function chatCompletions(req: IncomingMessage, res: ServerResponse, body: unknown, chat: Pick<ChatService, 'generate'>): Promise<void> {
  const parsed = ChatCompletionRequest.safeParse(body)
  if (!parsed.success) return openAIError(res, 400, z.prettifyError(parsed.error), 'invalid_request')
  const request = parsed.data
  if (!Object.hasOwn(GATEWAY_MODELS, request.model)) {
    return openAIError(res, 404, `The model '${request.model}' does not exist. Use one of: ${Object.keys(GATEWAY_MODELS).join(', ')}.`, 'model_not_found')
  }
  const conversation = toConversation(request)
  if (typeof conversation === 'string') return openAIError(res, 400, conversation, 'invalid_request')

  const controller = new AbortController()
  res.on('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const tier = GATEWAY_MODELS[request.model]
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const input = { prompt: conversation.prompt, history: conversation.history, ...(tier ? { tier } : {}) }

  if (!request.stream) {
    let text = ''
    // Sent from onEnd, before the outcome is recorded: the client does not wait on telemetry.
    const answer = (result: ChatResult) => {
      if (res.headersSent) return
      if (result.phase !== 'done')
        return openAIError(
          res,
          failureStatus(result),
          result.error ?? 'generation stopped',
          result.phase === 'aborted' ? 'aborted' : 'upstream_unavailable',
          'api_error',
        )
      sendJsonBody(res, 200, routingHeaders(result), {
        id,
        object: 'chat.completion',
        created,
        model: result.servedBy?.model ?? request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
        usage: usageOf(result),
        routellm: routingInfo(result),
      })
    }
    // The client waits for the whole answer anyway: so does the upstream call (one read, not one per delta).
    answer(await chat.generate(input, { signal: controller.signal, whole: true, onToken: (t) => (text += t), onEnd: answer }))
    return
  }

  // Headers wait for the first token, so a failure before it can still be a proper HTTP error.
  let model = request.model
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`
  const openStream = () => {
    if (res.headersSent) return
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
    res.write(chunk({ role: 'assistant', content: '' }, null))
  }
  // Sent from onEnd, before the outcome is recorded: the client does not wait on telemetry.
  const close = (result: ChatResult) => {
    if (res.writableEnded) return
    if (controller.signal.aborted) return void res.end()
    if (!res.headersSent && result.phase !== 'done') {
      return openAIError(res, failureStatus(result), result.error ?? 'generation stopped', 'upstream_unavailable', 'api_error')
    }
    openStream()
    if (result.phase === 'done') {
      res.write(chunk({}, 'stop'))
      if (request.stream_options?.include_usage) {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(result) })}\n\n`)
      }
    } else {
      // Mid-stream failure: OpenAI's in-stream error event, so SDKs raise instead of ending quietly.
      res.write(`data: ${JSON.stringify({ error: { message: result.error ?? 'generation failed', type: 'api_error', param: null, code: 'interrupted' } })}\n\n`)
    }
    res.end('data: [DONE]\n\n')
  }
  const result = await chat.generate(input, {
    signal: controller.signal,
    onStatus: (status) => {
      if (status.servedBy) model = status.servedBy.model
    },
    onToken: (text) => {
      openStream()
      // Chunks that arrive together (one upstream read holds several) leave in one socket
      // write: corked until the current batch of callbacks has run.
      if (!res.writableCorked) {
        res.cork()
        process.nextTick(() => res.uncork())
      }
      res.write(chunk({ content: text }, null))
    },
    onEnd: close,
  })
  close(result)
}
