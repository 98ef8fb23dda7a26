import type { Channel, EventName, EventPayload, Input, Output } from '../../../shared/contract'
import type { RouteLlmBridge } from './bridge'
import { toContractError } from './errors'
import { checkInput, parseEvent, parseOutput } from './validate'
import type { ConnectionState, DashboardClient } from './types'

const OPEN: ConnectionState = { status: 'open', attempt: 0, error: null, retryInMs: null }

/** The contract over the Electron preload bridge; every reply and event is schema-checked. */
export function createIpcClient(bridge: RouteLlmBridge): DashboardClient {
  return {
    transport: 'ipc',
    async call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>> {
      const checked = checkInput(channel, input)
      let raw: unknown
      try {
        raw = await bridge.call(channel, checked)
      } catch (err) {
        throw toContractError(err)
      }
      return parseOutput(channel, raw)
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return bridge.on(event, (raw) => {
        const payload = parseEvent(event, raw)
        if (payload === null) return
        try {
          listener(payload)
        } catch (err) {
          console.error(`routellm: a '${event}' listener threw`, err)
        }
      })
    },
    connection: () => OPEN,
    onConnection(listener) {
      listener(OPEN)
      return () => {}
    },
    close() {},
  }
}
