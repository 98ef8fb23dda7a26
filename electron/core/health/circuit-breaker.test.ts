import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from './circuit-breaker'

const opts = { failureThreshold: 3, baseCooldownMs: 1000, maxCooldownMs: 4000, misconfiguredCooldownMs: 60_000 }
const fail = { immediate: false, reason: '503' }

function opened(now = 0): CircuitBreaker {
  const b = new CircuitBreaker(opts)
  for (let i = 0; i < 3; i++) b.failure(b.acquire(now)!, now, fail)
  return b
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', () => {
    const b = new CircuitBreaker(opts)
    b.failure(b.acquire(0)!, 0, fail)
    b.failure(b.acquire(0)!, 0, fail)
    b.success(b.acquire(0)!)
    b.failure(b.acquire(0)!, 0, fail)
    b.failure(b.acquire(0)!, 0, fail)
    expect(b.state(0)).toBe('closed')
  })

  it('opens at the threshold and lets nothing through while cooling', () => {
    const b = opened()
    expect(b.state(0)).toBe('open')
    expect(b.acquire(999)).toBeNull()
    expect(b.cooldownRemaining(400)).toBe(600)
  })

  it('half-opens after the cooldown and lets exactly one probe through', () => {
    const b = opened()
    expect(b.state(1000)).toBe('half-open')
    const probe = b.acquire(1000)
    expect(probe?.probe).toBe(true)
    expect(b.acquire(1000)).toBeNull()
    expect(b.available(1000)).toBe(false)
  })

  it('closes when the probe succeeds, and reports that it recovered', () => {
    const b = opened()
    expect(b.success(b.acquire(1000)!)).toBe(true)
    expect(b.state(1000)).toBe('closed')
  })

  it('reopens with a doubled cooldown (capped) when the probe fails', () => {
    const b = opened()
    b.failure(b.acquire(1000)!, 1000, fail)
    expect(b.cooldownRemaining(1000)).toBe(2000)
    b.failure(b.acquire(3000)!, 3000, fail)
    expect(b.cooldownRemaining(3000)).toBe(4000)
    b.failure(b.acquire(7000)!, 7000, fail)
    expect(b.cooldownRemaining(7000)).toBe(4000)
  })

  it('a probe that ends without a verdict frees the slot for the next request', () => {
    const b = opened()
    b.release(b.acquire(1000)!)
    expect(b.acquire(1000)?.probe).toBe(true)
  })

  it('ignores outcomes of requests started before the circuit changed', () => {
    const b = new CircuitBreaker(opts)
    const stale = b.acquire(0)!
    for (let i = 0; i < 3; i++) b.failure(b.acquire(0)!, 0, fail)
    b.success(stale)
    expect(b.state(0)).toBe('open')
    const probe = b.acquire(1000)!
    b.failure(stale, 1000, fail)
    expect(b.state(1000)).toBe('half-open')
    b.success(probe)
    expect(b.state(1000)).toBe('closed')
  })

  it('opens at once on an immediate failure, for exactly the given cooldown (Retry-After)', () => {
    const b = new CircuitBreaker(opts)
    b.failure(b.acquire(0)!, 0, { immediate: true, cooldownMs: 2500, reason: '429' })
    expect(b.cooldownRemaining(0)).toBe(2500)
  })

  it('a rejected key waits the long misconfigured cooldown and says so', () => {
    const b = new CircuitBreaker(opts)
    b.failure(b.acquire(0)!, 0, { immediate: true, misconfigured: true, reason: 'bad key' })
    expect(b.isMisconfigured).toBe(true)
    expect(b.cooldownRemaining(0)).toBe(60_000)
    b.reset()
    expect(b.state(0)).toBe('closed')
    expect(b.isMisconfigured).toBe(false)
  })

  it('adopts another process’s opening: never a shorter one, never over its own probe, never one that is over', () => {
    const b = new CircuitBreaker(opts)
    expect(b.adopt(100, 100, 'elsewhere')).toBe(false)
    expect(b.adopt(100, 3000, 'elsewhere')).toBe(true)
    expect(b.state(2999)).toBe('open')
    expect(b.reason).toBe('elsewhere')
    expect(b.adopt(200, 2000, 'shorter')).toBe(false)
    expect(b.cooldownRemaining(200)).toBe(2800)
    const probe = b.acquire(3000)!
    expect(probe.probe).toBe(true)
    expect(b.adopt(3000, 9000, 'while probing')).toBe(false)
    expect(b.success(probe)).toBe(true)
    expect(b.state(3000)).toBe('closed')
  })
})
