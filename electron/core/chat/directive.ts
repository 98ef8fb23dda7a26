import { createHmac, randomBytes } from 'node:crypto'
import type { Decision } from '../../../shared/decision'

/**
 * The prompt as the model should see it: a leading "@cloud"/"@local" directive is meant for
 * the router (the rules pillar records its exact text), not for the model answering.
 */
export function promptForModel(prompt: string, decision: Decision): string {
  const token = decision.trace.find((v) => v.pillar === 'rules')?.detail?.directive
  if (typeof token !== 'string') return prompt
  const at = prompt.indexOf(token)
  if (at < 0 || prompt.slice(0, at).trim() !== '') return prompt
  const rest = prompt.slice(at + token.length).trimStart()
  return rest || prompt
}

/** Random per process: prompt keys match only inside this run and say nothing about the text. */
const PROMPT_KEY_SECRET = randomBytes(32)

/** A keyed hash of a prompt, to recognise the same prompt sent again without keeping it. */
export function promptKeyOf(prompt: string): string {
  return createHmac('sha256', PROMPT_KEY_SECRET).update(prompt.trim()).digest('base64url')
}
