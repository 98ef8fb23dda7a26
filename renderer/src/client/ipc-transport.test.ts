import { describe, expect, it } from 'vitest'
import type { RouteLlmBridge } from './bridge'
import { createIpcClient } from './ipc-transport'

function fakeBridge(reply: (channel: string, input: unknown) => Promise<unknown>) {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const bridge: RouteLlmBridge = {
    call: reply,
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
  }
  const emit = (event: string, payload: unknown): void => listeners.get(event)?.forEach((l) => l(payload))
  return { bridge, emit, listeners }
}

describe('createIpcClient', () => {
  it('calls the bridge and validates the reply', async () => {
    const calls: Array<[string, unknown]> = []
    const { bridge } = fakeBridge(async (channel, input) => {
      calls.push([channel, input])
      return { stopped: true }
    })
    const client = createIpcClient(bridge)
    await expect(client.call('chat.stop', { requestId: 'r' })).resolves.toEqual({ stopped: true })
    expect(calls).toEqual([['chat.stop', { requestId: 'r' }]])
    expect(client.transport).toBe('ipc')
    expect(client.connection().status).toBe('open')
  })

  it('rejects a malformed reply and maps bridge errors', async () => {
    const bad = createIpcClient(fakeBridge(async () => ({ stopped: 'yes' })).bridge)
    await expect(bad.call('chat.stop', { requestId: 'r' })).rejects.toMatchObject({ code: 'internal' })
    const failing = createIpcClient(
      fakeBridge(async () => {
        throw Object.assign(new Error('x'), { message: 'invalid input', code: 'invalid-input', issues: [] })
      }).bridge,
    )
    await expect(failing.call('chat.stop', { requestId: 'r' })).rejects.toMatchObject({ code: 'invalid-input' })
  })

  it('delivers only valid event payloads and unsubscribes', () => {
    const { bridge, emit, listeners } = fakeBridge(async () => null)
    const client = createIpcClient(bridge)
    const got: string[] = []
    const warn = console.warn
    console.warn = () => {}
    try {
      const off = client.on('chat.token', (t) => got.push(t.text))
      emit('chat.token', { requestId: 'r', text: 'ok' })
      emit('chat.token', { requestId: 'r' })
      off()
      emit('chat.token', { requestId: 'r', text: 'late' })
    } finally {
      console.warn = warn
    }
    expect(got).toEqual(['ok'])
    expect(listeners.get('chat.token')?.size).toBe(0)
  })
})
