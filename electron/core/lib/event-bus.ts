import type { EventName, EventPayload } from '../../../shared/contract'

export type BusListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void

/**
 * Fans engine events out to every connected front end (the Electron window, each SSE
 * client). A listener that throws is isolated so one broken client cannot stop the rest.
 */
export class EventBus {
  private readonly listeners = new Set<BusListener>()

  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload)
      } catch {
        // A failing transport is its own problem; the engine keeps going.
      }
    }
  }
}
