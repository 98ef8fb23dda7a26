import type { Channel, EventName, EventPayload, Input, Output } from './contract'

/**
 * What a front end holds: call a channel, listen to an event. The preload implements it
 * over ipcRenderer; the browser implements it over fetch + EventSource.
 */
export interface ContractClient {
  call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

/** Error carried across a transport: the message is safe to show a person. */
export class ContractError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid-input' | 'unauthorized' | 'forbidden' | 'not-found' | 'internal' | 'unavailable',
    readonly issues?: unknown,
  ) {
    super(message)
    this.name = 'ContractError'
  }
}
