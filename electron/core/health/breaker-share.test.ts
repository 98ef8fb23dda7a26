import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../test/support/chat-harness'
import { OllamaBridge } from '../ollama/bridge'
import { ENV_CLOUD_ID } from '../providers/endpoint-source'
import { ProviderError } from '../providers/types'
import { createProviderStack, type ProviderStack } from './provider-stack'

// Two provider stacks on one data folder stand for two processes (the desktop app and `serve`,
// or a CLI run); each has its own health monitor, and only state.db joins them.
const SYNC_MS = 1000
const COOLDOWN_MS = 5000
const refused = () => new ProviderError('unavailable', 'connection refused', { unreachable: true })

describe('circuit openings shared through state.db', () => {
  const clock = new FakeClock()
  const stacks: ProviderStack[] = []
  afterEach(() => {
    for (const s of stacks.splice(0)) s.close()
    vi.useRealTimers()
  })
  const env = (baseURL = 'http://127.0.0.1:9/v1') => ({
    ROUTELLM_CLOUD_BASE_URL: baseURL,
    ROUTELLM_CLOUD_API_KEY: 'sk-breaker-share',
    ROUTELLM_CLOUD_MODEL: 'gpt-big',
    ROUTELLM_STATE_SYNC_MS: String(SYNC_MS),
  })
  const open = (dataDir: string, e = env()) => {
    const stack = createProviderStack({
      env: e,
      dataDir,
      bridge: new OllamaBridge({ env: e, hosts: [] }),
      now: clock.now,
      health: { baseCooldownMs: COOLDOWN_MS },
    })
    stacks.push(stack)
    return stack
  }
  const fail = (stack: ProviderStack, error = refused()) => stack.health.failure(ENV_CLOUD_ID, stack.health.acquire(ENV_CLOUD_ID)!, error)
  const folder = () => mkdtempSync(join(tmpdir(), 'routellm-breakers-'))

  it('a process started after another saw an endpoint die waits out the same cooldown without trying it, then probes it itself', () => {
    const dir = folder()
    const a = open(dir)
    fail(a)
    expect(a.health.condition(ENV_CLOUD_ID).breaker).toBe('open')
    a.close()
    clock.advance(1000)

    const b = open(dir)
    expect(b.health.condition(ENV_CLOUD_ID)).toMatchObject({ breaker: 'open', reason: 'connection refused (seen by another RouteLLM process)' })
    expect(b.health.health(ENV_CLOUD_ID).cooldownRemainingMs).toBe(COOLDOWN_MS - 1000)
    expect(b.health.acquire(ENV_CLOUD_ID)).toBeNull()
    clock.advance(COOLDOWN_MS - 1000)
    const probe = b.health.acquire(ENV_CLOUD_ID)
    expect(probe?.probe).toBe(true)
    b.health.success(ENV_CLOUD_ID, probe!, { latencyMs: 20, ttftMs: 10 })
    expect(b.health.condition(ENV_CLOUD_ID).breaker).toBe('closed')
  })

  it('a running process learns of the opening at its next sync, and does not take it back after its own probe closed the circuit', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const dir = folder()
    const a = open(dir)
    const b = open(dir)
    fail(a)
    expect(b.health.condition(ENV_CLOUD_ID).breaker).toBe('closed')
    vi.advanceTimersByTime(SYNC_MS)
    expect(b.health.condition(ENV_CLOUD_ID).breaker).toBe('open')

    clock.advance(COOLDOWN_MS)
    const probe = b.health.acquire(ENV_CLOUD_ID)!
    b.health.success(ENV_CLOUD_ID, probe, { latencyMs: 20, ttftMs: 10 })
    vi.advanceTimersByTime(SYNC_MS)
    expect(b.health.condition(ENV_CLOUD_ID).breaker).toBe('closed')
  })

  it('keeps a rejected key or a rate limit to the process that met it (another may use another key)', () => {
    const dir = folder()
    const a = open(dir)
    fail(a, new ProviderError('misconfigured', 'rejected the API key (401)'))
    expect(a.health.condition(ENV_CLOUD_ID).breaker).toBe('open')
    a.close()
    expect(open(dir).health.condition(ENV_CLOUD_ID).breaker).toBe('closed')

    const c = open(dir)
    fail(c, new ProviderError('rate-limited', 'answered 429', { retryAfterMs: 30_000 }))
    c.close()
    expect(open(dir).health.condition(ENV_CLOUD_ID).breaker).toBe('closed')
  })

  it('does not apply an opening to an endpoint of the same id at another address', () => {
    const dir = folder()
    const a = open(dir)
    fail(a)
    a.close()
    expect(open(dir, env('http://127.0.0.1:10/v1')).health.condition(ENV_CLOUD_ID).breaker).toBe('closed')
    expect(open(dir).health.condition(ENV_CLOUD_ID).breaker).toBe('open')
  })

  it('forgets an opening that is over', () => {
    const dir = folder()
    const a = open(dir)
    fail(a)
    a.close()
    clock.advance(COOLDOWN_MS)
    expect(open(dir).health.condition(ENV_CLOUD_ID).breaker).toBe('closed')
  })
})
