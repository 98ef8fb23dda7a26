// Imported first by main.tsx, before any schema of shared/ is built: zod 4 probes
// `new Function` when it builds object schemas (to JIT their parsers), which the page's CSP
// (no 'unsafe-eval') reports as a violation. Parse without JIT instead.
import { config } from 'zod'

config({ jitless: true })
