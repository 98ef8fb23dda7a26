import { describe, expect, it, vi } from 'vitest'
import { contract, type Handlers } from '../../../shared/contract'
import { MAX_PROMPT_CHARS } from '../../../shared/chat'
import { ContractError } from '../../../shared/client'
import { dispatch, toErrorEnvelope } from './contract-dispatch'

const decision = { id: 'd', tier: 'local', model: 'm', endpoint: 'ollama', complexity: 3, threshold: 65, explanation: 'e', pinned: null, trace: [], ms: 0 }

describe('contract schemas', () => {
  it('accept a prompt and an optional tier override', () => {
    expect(contract['route.decide'].input.parse({ prompt: 'hi', tier: 'cloud' })).toEqual({ prompt: 'hi', tier: 'cloud' })
  })

  it('reject empty, oversized and non-string prompts, and unknown tiers', () => {
    expect(contract['chat.start'].input.safeParse({ prompt: '' }).success).toBe(false)
    expect(contract['chat.start'].input.safeParse({ prompt: 'x'.repeat(MAX_PROMPT_CHARS + 1) }).success).toBe(false)
    expect(contract['chat.start'].input.safeParse({ prompt: ['hi'] }).success).toBe(false)
    expect(contract['chat.start'].input.safeParse({ prompt: 'hi', tier: 'gpu' }).success).toBe(false)
  })

  it('accept emoji, right-to-left and binary-looking text as prompts', () => {
    for (const prompt of ['🦙🚀', 'مرحبا كيف حالك', '\u0000\u0001\uFFFD']) {
      expect(contract['chat.start'].input.safeParse({ prompt }).success).toBe(true)
    }
  })
})

describe('dispatch', () => {
  const decide = vi.fn(async () => decision)
  const handlers = { 'route.decide': decide } as unknown as Handlers

  it('runs the handler with the parsed input', async () => {
    await expect(dispatch(handlers, 'route.decide', { prompt: 'hi' })).resolves.toEqual(decision)
    expect(decide).toHaveBeenCalledWith({ prompt: 'hi' })
  })

  it('refuses unknown channels, including inherited object keys', async () => {
    await expect(dispatch(handlers, 'keys.dump', {})).rejects.toMatchObject({ code: 'not-found' })
    await expect(dispatch(handlers, 'constructor', {})).rejects.toMatchObject({ code: 'not-found' })
  })

  it('rejects an invalid payload with the field named, without calling the handler', async () => {
    decide.mockClear()
    const error = await dispatch(handlers, 'route.decide', { promt: 'typo' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContractError)
    expect((error as ContractError).code).toBe('invalid-input')
    expect((error as Error).message).toContain('prompt')
    expect(decide).not.toHaveBeenCalled()
  })

  it('catches a handler whose output drifts from the contract', async () => {
    const broken = { 'route.decide': async () => ({ tier: 'moon' }) } as unknown as Handlers
    await expect(dispatch(broken, 'route.decide', { prompt: 'hi' })).rejects.toThrow()
  })

  it('never forwards the message of an unexpected error (it may hold upstream bodies)', () => {
    expect(toErrorEnvelope(new Error('Authorization: Bearer sk-secret leaked'))).toEqual({ message: 'internal error (see the RouteLLM log)', code: 'internal' })
    expect(toErrorEnvelope(new ContractError('bad', 'invalid-input'))).toEqual({ message: 'bad', code: 'invalid-input' })
  })
})
