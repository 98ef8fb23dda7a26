import { describe, expect, it } from 'vitest'
import { PrivacyKind } from '../../../shared/policy'
import { describePrivacyKinds, detectPrivateData, detectPrivateTurns, ibanValid, luhnValid } from './privacy'

const ALL = PrivacyKind.options
const detect = (text: string) => detectPrivateData(text, ALL)

// Realistic-looking fakes: right shapes and checksums, belonging to nobody.
const FAKES: Record<PrivacyKind, string[]> = {
  'api-key': [
    'use sk-proj-4fT9qLmZ2xWv8RbN0cYk3HsJ7dPa1EuQ6gVo5iXw for the call',
    'export ANTHROPIC_API_KEY=sk-ant-api03-Zx8vQm2LkT9pWc4Rn7Hs1Yb6Ja3Fd0Ge5Ku',
    'AWS key AKIAIOSFODNN7EXAMPLE in the config',
    'token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 leaked',
    'GOOGLE=AIzaSyD4fT9qLmZ2xWv8RbN0cYk3HsJ7dPa1EuQ',
    'stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc9',
    'api_key = "f3a9c2e71b8d4a6f0e5c"',
    'password: Tr0ub4dor&3xyzzy-long',
  ],
  'private-key': [
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx...\n-----END RSA PRIVATE KEY-----',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=',
  ],
  'card-number': ['my card is 4539 1488 0343 6467 exp 09/27', 'charge 5555-5555-5555-4444 please', 'amex 378282246310005'],
  email: ['write to jane.doe+invoices@example-mail.co.uk today'],
  phone: ['call me on +44 20 7946 0958 tonight', 'my cell is (415) 555-0132', 'reach us at 212-555-0187'],
  iban: ['pay to GB82 WEST 1234 5698 7654 32 by Friday', 'IBAN DE89370400440532013000'],
}

describe('detectPrivateData', () => {
  for (const kind of ALL) {
    it(`finds ${kind}`, () => {
      for (const text of FAKES[kind]) expect(detect(text), text).toContain(kind)
    })
  }

  it('leaves maths, dates and ordinary numbers alone', () => {
    const benign = [
      'A train leaves at 3:40 pm travelling 80 km/h; the trip is 240 km. When does it arrive?',
      'The concert was on 06/01/1943, delayed by one day. What is the date tomorrow in MM/DD/YYYY?',
      'Compute 1234 + 5678 - 91011 and 12 * 34.',
      'Sort these numbers: 4539 1488 0343 6468', // Luhn-invalid card shape
      'Is GB82 WEST 1234 5698 7654 33 valid?', // IBAN with a wrong check
      'Write a function that validates e-mail addresses with a regex.',
      'The API key goes in the header, explain how bearer tokens work.',
    ]
    for (const text of benign) expect(detect(text), text).toEqual([])
  })

  it('only looks for the kinds asked for', () => {
    expect(detectPrivateData('jane@example.com, +44 20 7946 0958', ['phone'])).toEqual(['phone'])
  })
})

describe('checksums', () => {
  it('Luhn accepts valid and rejects altered card numbers', () => {
    expect(luhnValid('4539148803436467')).toBe(true)
    expect(luhnValid('4539148803436468')).toBe(false)
  })

  it('IBAN mod-97 accepts valid and rejects altered account numbers', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true)
    expect(ibanValid('GB82 WEST 1234 5698 7654 23')).toBe(false)
    expect(ibanValid('GB82')).toBe(false)
  })
})

describe('describePrivacyKinds', () => {
  it('names kinds in plain words', () => {
    expect(describePrivacyKinds(['email', 'phone', 'iban'])).toBe('an e-mail address, a phone number and a bank account number (IBAN)')
  })
})

describe('detectPrivateTurns', () => {
  it('finds private data in any turn, system messages included, and says which turn', () => {
    const history = [
      { role: 'system' as const, content: 'Operator IBAN: DE89370400440532013000' },
      { role: 'user' as const, content: 'what is 2 + 2?' },
      { role: 'assistant' as const, content: 'Mail the result to ops@example.org' },
    ]
    expect(detectPrivateTurns(history, ALL)).toEqual([
      { turn: 1, role: 'system', kinds: ['iban'] },
      { turn: 3, role: 'assistant', kinds: ['email'] },
    ])
    // A turn seen before is remembered, and the policy's kinds still filter it.
    expect(detectPrivateTurns(history, ['email'])).toEqual([{ turn: 3, role: 'assistant', kinds: ['email'] }])
  })
})
