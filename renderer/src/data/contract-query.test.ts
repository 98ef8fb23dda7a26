import { describe, expect, it } from 'vitest'
import type { EventName } from '../../../shared/contract'
import { ContractError } from '../../../shared/client'
import type { ConnectionState, DashboardClient } from '../client'

import { ContractQuery } from './contract-query'

/** A client whose calls the test answers one by one, with events and connection states it fires. */
function fakeClient() {
  const pending: Array<{ channel: string; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = []
  const listeners = new Map<string, Set<() => void>>()
  const connection = new Set<(s: ConnectionState) => void>()
  let state: ConnectionState = { status: 'open', attempt: 0, error: null, retryInMs: null }
  const client = {
    transport: 'http',
    call: (channel: string) => new Promise((resolve, reject) => pending.push({ channel, resolve, reject })),
    on: (event: EventName, fn: () => void) => {
      if (!listeners.has(event)) listeners.set(event, new Set())
      listeners.get(event)!.add(fn)
      return () => listeners.get(event)!.delete(fn)
    },
    connection: () => state,
    onConnection: (fn: (s: ConnectionState) => void) => {
      connection.add(fn)
      fn(state)
      return () => connection.delete(fn)
    },
    close: () => {},
  } as unknown as DashboardClient
  return {
    client,
    pending,
    emit: (event: EventName, payload?: unknown) => listeners.get(event)?.forEach((fn) => (fn as (p: unknown) => void)(payload)),
    setConnection: (status: ConnectionState['status']) => {
      state = { ...state, status }
      connection.forEach((fn) => fn(state))
    },
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('ContractQuery', () => {
  it('calls the channel once at start and shows its answer', async () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'cost.summary', {})
    q.start()
    expect(f.pending.map((p) => p.channel)).toEqual(['cost.summary'])
    expect(q.get().loading).toBe(true)
    f.pending[0]!.resolve({ spent: 1 })
    await flush()
    expect(q.get()).toMatchObject({ data: { spent: 1 }, error: null, loading: false })
    expect(q.get().updatedAt).toEqual(expect.any(Number))
  })

  it('reloads after each refreshOn event and after a reconnect, but not on the first opening', async () => {
    const f = fakeClient()
    f.setConnection('connecting')
    const q = new ContractQuery(f.client, 'policy.status', {}, { refreshOn: ['health.status'] })
    q.start()
    f.setConnection('open') // first opening: the panel has just loaded
    expect(f.pending).toHaveLength(1)
    f.emit('health.status')
    expect(f.pending).toHaveLength(2)
    f.setConnection('retrying')
    f.setConnection('open')
    expect(f.pending).toHaveLength(3)
  })

  it('a reload may ask with another input once (a refresh that probes anew)', () => {
    const f = fakeClient()
    const calls: unknown[] = []
    const call = f.client.call
    f.client.call = ((channel: never, input: never) => (calls.push(input), call(channel, input))) as typeof call
    const q = new ContractQuery(f.client, 'ollama.status', {})
    q.start()
    void q.reload({ refresh: true })
    void q.reload()
    expect(calls).toEqual([{}, { refresh: true }, {}])
  })

  it('an event that carries the answer itself replaces the data without a call', () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'health.status', {}, { replaceOn: 'health.status' })
    q.start()
    f.emit('health.status', { endpoints: [], pushed: true })
    expect(f.pending).toHaveLength(1)
    expect(q.get().data).toEqual({ endpoints: [], pushed: true })
    f.pending[0]!.resolve({ endpoints: [], pushed: false }) // the older call's answer arrives late: dropped
    return flush().then(() => expect(q.get().data).toEqual({ endpoints: [], pushed: true }))
  })

  it('keeps the last data when a reload fails, with the error beside it', async () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'policy.status', {})
    q.start()
    f.pending[0]!.resolve({ threshold: 65 })
    await flush()
    void q.reload()
    f.pending[1]!.reject(new ContractError('host down', 'unavailable'))
    await flush()
    expect(q.get().data).toEqual({ threshold: 65 })
    expect(q.get().error?.message).toContain('host down')
    expect(q.get().loading).toBe(false)
  })

  it('an older answer arriving late never overwrites a newer one, nor an action result', async () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'policy.status', {})
    q.start()
    void q.reload()
    f.pending[1]!.resolve({ threshold: 40 })
    await flush()
    f.pending[0]!.resolve({ threshold: 65 })
    await flush()
    expect(q.get().data).toEqual({ threshold: 40 })
    void q.reload()
    q.replace({ threshold: 30 } as never)
    f.pending[2]!.resolve({ threshold: 99 })
    await flush()
    expect(q.get().data).toEqual({ threshold: 30 })
  })

  it('stops following events once stopped, and drops the answer in flight', async () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'policy.status', {}, { refreshOn: ['health.status'] })
    const stop = q.start()
    stop()
    f.emit('health.status')
    expect(f.pending).toHaveLength(1)
    f.pending[0]!.resolve({ threshold: 1 })
    await flush()
    expect(q.get().data).toBeNull()
  })

  it('tells subscribers about every change', async () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'policy.status', {})
    let changes = 0
    q.subscribe(() => changes++)
    q.start()
    f.pending[0]!.resolve({})
    await flush()
    expect(changes).toBe(2) // loading, then loaded
  })

  it('is followed while anyone retains it: one call for several users, stopped when the last leaves', () => {
    const f = fakeClient()
    const q = new ContractQuery(f.client, 'policy.status', {}, { refreshOn: ['health.status'] })
    const releaseA = q.retain()
    const releaseB = q.retain()
    expect(f.pending).toHaveLength(1)
    releaseA()
    releaseA() // twice is once
    f.emit('health.status')
    expect(f.pending).toHaveLength(2)
    releaseB()
    f.emit('health.status')
    expect(f.pending).toHaveLength(2)
  })
})
