import { z } from 'zod'
import { errorMessage } from '../errors'

/** The terms a policy's word lists are written in: phrases, patterns, triggers and safe patterns. */

/** A regular expression source (compiled case-insensitive); rejected at load if it does not compile. */
const RegexSource = z
  .string()
  .min(1)
  .max(2000)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'i')
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${errorMessage(error)}` })
    }
  })

/**
 * A word or phrase, matched on whole words, case-insensitively, ignoring punctuation and a
 * plural "s" ("unit test" matches "Unit-tests").
 */
export const Phrase = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]+(?: [a-z0-9]+)*$/, 'use lowercase letters, digits and single spaces (text is compared word by word)')

/**
 * What a trigger is evidence of. `writing` is long-form or stylistic writing, `domain` expert
 * vocabulary (medicine, law, finance); `simple` triggers lean local (negative weights).
 */
export const TriggerKind = z.enum(['code', 'math', 'reasoning', 'multi-step', 'long-document', 'writing', 'domain', 'simple'])
export type TriggerKind = z.infer<typeof TriggerKind>

/**
 * A keyword or pattern trigger. It fires when any of `words` (or `pattern`) occurs and, when
 * `with` is given, one of `with` occurs too; its weight (negative = leans local) is added to
 * the rules score.
 */
export const Trigger = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lowercase letters, digits and dashes'),
    kind: TriggerKind,
    /** What the explanation calls it, e.g. "code request". */
    label: z.string().min(1).max(80),
    weight: z.number().min(-100).max(100),
    words: z.array(Phrase).min(1).optional(),
    with: z.array(Phrase).min(1).optional(),
    pattern: RegexSource.optional(),
    /** Fires only on prompts of at most this many tokens (cues like "12 x 17" mean "simple" only when short). */
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((t) => t.words !== undefined || t.pattern !== undefined, { message: 'a trigger needs `words` or `pattern`' })
export type Trigger = z.infer<typeof Trigger>

export const SafeKind = z.enum(['greeting', 'thanks', 'farewell', 'small-talk', 'formatting'])
export type SafeKind = z.infer<typeof SafeKind>

/** A pattern that, on a short prompt without cloud triggers, routes local without consulting other pillars. */
export const SafePattern = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'use lowercase letters, digits and dashes'),
  kind: SafeKind,
  pattern: RegexSource,
  /** Longer prompts are not small talk any more, whatever they start with. */
  maxTokens: z.number().int().min(1).max(10_000),
  /** Veto points for this pattern (default `safeList.vetoPoints`): an edit request is vetoed by less than a greeting. */
  vetoPoints: z.number().min(0).optional(),
})
export type SafePattern = z.infer<typeof SafePattern>

export const PrivacyKind = z.enum(['api-key', 'private-key', 'card-number', 'email', 'phone', 'iban'])
export type PrivacyKind = z.infer<typeof PrivacyKind>
