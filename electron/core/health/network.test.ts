import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/support/chat-harness'
import { defaultNetworkProbe, NetworkMonitor } from './network'

describe('NetworkMonitor', () => {
  it('is offline from the start with ROUTELLM_OFFLINE=1, whatever the probe says', async () => {
    const n = new NetworkMonitor({ env: { ROUTELLM_OFFLINE: '1' }, probe: async () => true })
    expect(n.offline).toBe(true)
    expect(n.status()).toMatchObject({ offline: true, cause: 'env' })
    await n.recheck()
    n.setOffline(false)
    expect(n.offline).toBe(true)
  })

  it('follows the user switch at once', () => {
    const n = new NetworkMonitor({ env: {} })
    n.setOffline(true)
    expect(n.status()).toMatchObject({ offline: true, cause: 'setting' })
    n.setOffline(false)
    expect(n.status()).toEqual({ offline: false, cause: null, reason: null, since: null })
  })

  it('goes offline on a reported outage and back online only when the probe (or a request) says so', async () => {
    const clock = new FakeClock()
    let online = false
    let probes = 0
    const n = new NetworkMonitor({ env: {}, now: clock.now, recheckMs: 1000, probe: async () => (probes++, online) })
    const changes: boolean[] = []
    n.onChange(() => changes.push(n.status().offline))
    n.reportNetworkDown('a: the network is unreachable (host not found)')
    expect(n.offline).toBe(true)
    expect(n.status()).toMatchObject({ cause: 'detected', reason: expect.stringContaining('unreachable') })
    expect(probes).toBe(0) // reading the state does not probe before recheckMs
    clock.advance(1000)
    expect(n.offline).toBe(true) // starts a background recheck
    await n.recheck()
    expect(n.offline).toBe(true)
    online = true
    expect(await n.recheck()).toBe(true)
    expect(n.offline).toBe(false)
    expect(changes).toEqual([true, false])
    n.reportNetworkDown('again')
    n.reportReachable()
    expect(n.offline).toBe(false)
  })

  it('the default probe treats loopback endpoints as reachable without any lookup', async () => {
    expect(await defaultNetworkProbe(['127.0.0.1', 'localhost'])).toBe(true)
  })
})
