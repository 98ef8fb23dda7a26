import { describe, expect, it } from 'vitest'
import { IDLE_CONNECTION, type ConnectionState } from './types'
import { onReconnect } from './reconnect'

/** A connection whose state the test moves by hand; listeners hear the current state at once, like the real clients. */
function fakeConnection(initial: ConnectionState['status']) {
  let state: ConnectionState = { ...IDLE_CONNECTION, status: initial }
  const listeners = new Set<(s: ConnectionState) => void>()
  return {
    connection: () => state,
    onConnection(listener: (s: ConnectionState) => void) {
      listeners.add(listener)
      listener(state)
      return () => listeners.delete(listener)
    },
    set(status: ConnectionState['status']) {
      state = { ...state, status }
      listeners.forEach((l) => l(state))
    },
  }
}

describe('onReconnect', () => {
  it('does not fire when the channel opens the first time (the panels just loaded)', () => {
    const c = fakeConnection('connecting')
    let calls = 0
    onReconnect(c, () => calls++)
    c.set('open')
    expect(calls).toBe(0)
  })

  it('fires each time the channel opens again after it was lost, and not after unsubscribing', () => {
    const c = fakeConnection('open')
    let calls = 0
    const off = onReconnect(c, () => calls++)
    c.set('retrying')
    c.set('connecting')
    c.set('open')
    expect(calls).toBe(1)
    c.set('open')
    expect(calls).toBe(1)
    c.set('retrying')
    c.set('open')
    expect(calls).toBe(2)
    off()
    c.set('retrying')
    c.set('open')
    expect(calls).toBe(2)
  })
})
