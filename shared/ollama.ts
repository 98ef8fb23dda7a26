import { z } from 'zod'

export const OllamaModel = z.object({
  name: z.string(),
  size: z.number().nonnegative(),
  family: z.string().nullable(),
  parameterSize: z.string().nullable(),
  quantization: z.string().nullable(),
  modifiedAt: z.string().nullable(),
  /** Ollama's digest of this build: a re-pulled model keeps its name and gets a new digest. */
  digest: z.string().nullable().optional(),
})
export type OllamaModel = z.infer<typeof OllamaModel>

export const OllamaStatus = z.discriminatedUnion('detected', [
  z.object({
    detected: z.literal(true),
    host: z.string(),
    version: z.string(),
    models: z.array(OllamaModel),
    /** Models Ollama holds in memory now (/api/ps): they answer without a load wait. */
    loaded: z.array(z.string()).optional(),
    /** Every address that was probed, in order, with what happened. */
    tried: z.array(z.object({ host: z.string(), ok: z.boolean(), error: z.string().nullable() })),
  }),
  z.object({
    detected: z.literal(false),
    tried: z.array(z.object({ host: z.string(), ok: z.boolean(), error: z.string().nullable() })),
  }),
])
export type OllamaStatus = z.infer<typeof OllamaStatus>
