import { z } from 'zod'
import { contract, isChannel, type Handlers } from '../../../shared/contract'
import { ContractError } from '../../../shared/client'

/**
 * The one gate both hosts call: reject unknown channels, validate the input against the
 * channel's schema (a bad payload never reaches a handler), run the handler, and check the
 * output so a drifting handler is caught here rather than in a renderer.
 */
export async function dispatch(handlers: Handlers, channel: string, raw: unknown): Promise<unknown> {
  if (!isChannel(channel)) throw new ContractError(`unknown channel "${channel}"`, 'not-found')
  const spec = contract[channel]
  const parsed = spec.input.safeParse(raw ?? {})
  if (!parsed.success) {
    throw new ContractError(`invalid input for ${channel}: ${z.prettifyError(parsed.error)}`, 'invalid-input', parsed.error.issues)
  }
  const handler = handlers[channel] as (input: unknown) => Promise<unknown>
  const output = await handler(parsed.data)
  return spec.output.parse(output)
}

/** What crosses a transport when a call fails: a message safe to show, and a code. */
export interface ErrorEnvelope {
  message: string
  code: ContractError['code']
  issues?: unknown
}

export function toErrorEnvelope(error: unknown): ErrorEnvelope {
  if (error instanceof ContractError) {
    return { message: error.message, code: error.code, ...(error.issues ? { issues: error.issues } : {}) }
  }
  // Unknown failures may carry upstream bodies or paths: don't forward them verbatim.
  return { message: 'internal error (see the RouteLLM log)', code: 'internal' }
}
