import { ContractError } from '../../../shared/client'
import { contract, events, type Channel, type EventName, type EventPayload, type Input, type Output } from '../../../shared/contract'

/** Check an input before it leaves the page, so a bad one is reported the way the host would. */
export function checkInput<C extends Channel>(channel: C, input: Input<C>): Input<C> {
  const result = contract[channel].input.safeParse(input)
  if (!result.success) throw new ContractError(`Invalid input for ${channel}`, 'invalid-input', result.error.issues)
  return result.data as Input<C>
}

/** Never trust what crossed a transport: a reply that does not match its schema is an error. */
export function parseOutput<C extends Channel>(channel: C, raw: unknown): Output<C> {
  const result = contract[channel].output.safeParse(raw)
  if (!result.success) {
    throw new ContractError(`The engine sent a malformed reply on ${channel}`, 'internal', result.error.issues)
  }
  return result.data as Output<C>
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name)
}

/** A malformed event is dropped (and logged), never handed to the UI. */
export function parseEvent<E extends EventName>(event: E, raw: unknown): EventPayload<E> | null {
  const result = events[event].safeParse(raw)
  if (!result.success) {
    console.warn(`routellm: dropped malformed '${event}' event`, result.error.issues)
    return null
  }
  return result.data as EventPayload<E>
}
