import { describe, expect, it } from 'vitest'
import { ContractError } from '../../../shared/client'
import { codeForStatus, describeError, formatIssues, toContractError } from './errors'

describe('toContractError', () => {
  it('passes a ContractError through', () => {
    const e = new ContractError('x', 'forbidden')
    expect(toContractError(e)).toBe(e)
  })

  it('rebuilds {message, code, issues} shapes, also nested under error', () => {
    expect(toContractError({ message: 'bad', code: 'invalid-input', issues: [1] })).toMatchObject({
      message: 'bad',
      code: 'invalid-input',
      issues: [1],
    })
    expect(toContractError({ error: { message: 'no', code: 'unauthorized' } })).toMatchObject({ code: 'unauthorized' })
  })

  it("strips Electron's invoke wrapper and reads a JSON-encoded error", () => {
    const plain = toContractError(new Error("Error invoking remote method 'routellm:chat.start': Error: Ollama is down"))
    expect(plain).toMatchObject({ message: 'Ollama is down', code: 'internal' })
    const json = toContractError(new Error(`Error invoking remote method 'routellm:x': Error: {"message":"nope","code":"unavailable"}`))
    expect(json).toMatchObject({ message: 'nope', code: 'unavailable' })
  })

  it('reads the "[code] message" form the preload rejects with', () => {
    expect(toContractError(new Error('[invalid-input] prompt must not be empty'))).toMatchObject({
      message: 'prompt must not be empty',
      code: 'invalid-input',
    })
    expect(toContractError(new Error('[weird] x'))).toMatchObject({ message: '[weird] x', code: 'internal' })
  })

  it('turns anything else into an internal error with a message', () => {
    expect(toContractError('oops')).toMatchObject({ message: 'oops', code: 'internal' })
    expect(toContractError(undefined)).toMatchObject({ message: 'Unknown error', code: 'internal' })
    expect(toContractError(new DOMException('aborted', 'AbortError')).code).toBe('unavailable')
  })
})

describe('codeForStatus / formatIssues / describeError', () => {
  it('maps HTTP statuses', () => {
    expect([400, 401, 403, 404, 500, 503].map(codeForStatus)).toEqual(['invalid-input', 'unauthorized', 'forbidden', 'not-found', 'internal', 'unavailable'])
  })

  it('formats zod-style issues', () => {
    expect(formatIssues([{ path: ['prompt'], message: 'too short' }, { path: [], message: 'bad' }, 'junk'])).toEqual(['prompt: too short', 'input: bad'])
    expect(formatIssues(undefined)).toEqual([])
    expect(
      formatIssues(
        Array.from({ length: 10 }, () => ({ path: [], message: 'm' })),
        2,
      ),
    ).toHaveLength(3)
  })

  it('adds a hint for unauthorized', () => {
    const r = describeError(new ContractError('missing token', 'unauthorized'))
    expect(r.hint).toMatch(/#token=/)
  })
})
