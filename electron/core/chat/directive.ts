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
