import { LRUCache } from 'lru-cache'
import type { ChatTurn } from '../../../shared/chat'
import type { PrivacyKind } from '../../../shared/policy'

/**
 * Detectors for secrets and personal data that must never leave the machine. Each returns
 * whether the kind occurs, never the matched text, so nothing downstream can echo a secret.
 * Patterns with a checksum (cards: Luhn, IBAN: mod 97) are verified to keep ordinary
 * numbers in maths problems from pinning prompts.
 */

/** What the explanation calls each kind. */
export const PRIVACY_LABELS: Record<PrivacyKind, string> = {
  'api-key': 'an API key',
  'private-key': 'a private key block',
  'card-number': 'a payment card number',
  email: 'an e-mail address',
  phone: 'a phone number',
  iban: 'a bank account number (IBAN)',
}

const API_KEY = new RegExp(
  [
    String.raw`\bsk-(?:proj-|ant-(?:api\d\d-)?|svcacct-)?[A-Za-z0-9_-]{20,}`, // OpenAI, Anthropic
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key id
    String.raw`\bgh[pousr]_[A-Za-z0-9]{36,}`, // GitHub tokens
    String.raw`\bgithub_pat_[A-Za-z0-9_]{40,}`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`, // GitLab
    String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{20,}`, // Stripe
    String.raw`\bhf_[A-Za-z0-9]{30,}`, // Hugging Face
    String.raw`\bnpm_[A-Za-z0-9]{36}\b`,
    String.raw`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`, // JWT
  ].join('|'),
)
// A credential assigned in config or code: api_key = "...", secret: ..., password=... (kept
// apart from the shapes above because case-insensitive matching of those is several times slower).
const CREDENTIAL_ASSIGNMENT =
  /\b(?:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|password|passwd)\b["']?\s*[:=]\s*["']?[^\s"'<>]{8,}/i
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/
// 13–19 digits, bare or in the printed groupings (4-4-4-4..., Amex 4-6-5).
const CARD_CANDIDATES = /(?<![\d-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5})(?![\d-])/g
// International (+CC ...) or North-American ((555) 010-1234, 555-010-1234, 555.010.1234) shapes.
const PHONE = /(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}(?!\d)|(?<!\d)(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?!\d)/
const IBAN_CANDIDATES = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g

export function luhnValid(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return sum % 10 === 0
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '').toUpperCase()
  if (iban.length < 15 || iban.length > 34) return false
  const rearranged = iban.slice(4) + iban.slice(0, 4)
  let remainder = 0
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0)
    const value = code >= 65 ? code - 55 : code - 48
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97
  }
  return remainder === 1
}

function hasCard(text: string): boolean {
  for (const match of text.matchAll(CARD_CANDIDATES)) {
    const digits = match[0].replace(/[ -]/g, '')
    // Issuer numbers start with 2–6 (Mastercard, Amex, Visa, Discover, UnionPay...).
    if (digits[0]! >= '2' && digits[0]! <= '6' && luhnValid(digits)) return true
  }
  return false
}

function hasIban(text: string): boolean {
  for (const match of text.matchAll(IBAN_CANDIDATES)) if (ibanValid(match[0])) return true
  return false
}

// A credential assignment needs ':' or '=': prose without either skips that scan.
const hasAssignment = (t: string) => t.includes('=') || t.includes(':')

const DETECTORS: Record<PrivacyKind, (text: string) => boolean> = {
  'api-key': (t) => API_KEY.test(t) || (hasAssignment(t) && CREDENTIAL_ASSIGNMENT.test(t)),
  'private-key': (t) => t.includes('PRIVATE KEY') && PRIVATE_KEY.test(t),
  'card-number': (t) => hasCard(t),
  email: (t) => t.includes('@') && EMAIL.test(t),
  phone: (t) => PHONE.test(t),
  iban: (t) => hasIban(t),
}

/** The kinds of sensitive data found in the text, in the order asked for. */
export function detectPrivateData(text: string, kinds: readonly PrivacyKind[]): PrivacyKind[] {
  return kinds.filter((kind) => DETECTORS[kind](text))
}

const ALL_KINDS = Object.keys(DETECTORS) as PrivacyKind[]

// A conversation is sent again with every new turn: remembering each turn's findings makes the
// scan of a growing history cost only its new turns. Keyed by the text itself (held in memory
// only, like the request that carried it) and bounded by total characters.
const turnFindings = new LRUCache<string, readonly PrivacyKind[]>({
  maxSize: 8_000_000,
  sizeCalculation: (_value, key) => Math.max(1, key.length),
})

function findingsOf(text: string): readonly PrivacyKind[] {
  let found = turnFindings.get(text)
  if (!found) {
    found = detectPrivateData(text, ALL_KINDS)
    turnFindings.set(text, found)
  }
  return found
}

/** Where in a conversation private data sits: turn numbers count from 1, the first message sent. */
export interface TurnFinding {
  turn: number
  role: ChatTurn['role']
  kinds: PrivacyKind[]
}

/**
 * The earlier turns (system messages included) that hold private data of the asked kinds.
 * Each turn is scanned once, and a turn seen in an earlier request is not scanned again.
 */
export function detectPrivateTurns(history: readonly ChatTurn[], kinds: readonly PrivacyKind[]): TurnFinding[] {
  const findings: TurnFinding[] = []
  history.forEach((turn, i) => {
    const found = findingsOf(turn.content)
    if (found.length === 0) return
    const asked = kinds.filter((k) => found.includes(k))
    if (asked.length > 0) findings.push({ turn: i + 1, role: turn.role, kinds: asked })
  })
  return findings
}

const ROLE_NAMES: Record<ChatTurn['role'], string> = { system: 'system message', user: 'user message', assistant: 'assistant message' }

/** "a payment card number in turn 2 (user message) and an e-mail address in turn 1 (system message)": kinds and places, never values. */
export function describePrivateTurns(findings: readonly TurnFinding[]): string {
  const parts = findings.map((f) => `${describePrivacyKinds(f.kinds)} in turn ${f.turn} (${ROLE_NAMES[f.role]})`)
  if (parts.length <= 1) return parts.join('')
  return `${parts.slice(0, -1).join('; ')}; and ${parts.at(-1)}`
}

/** "an e-mail address and a phone number" */
export function describePrivacyKinds(kinds: readonly PrivacyKind[]): string {
  const labels = kinds.map((k) => PRIVACY_LABELS[k])
  if (labels.length <= 1) return labels.join('')
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`
}
