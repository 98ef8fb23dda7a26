// The first decision after start, in a fresh process: the engine as the hosts build it
// (createServices, fresh data folder), once its start-up warm-up is done, then the first
// decision against the ones after it. Prints one JSON line; bench/decision.bench.ts runs it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServices } from '../electron/core/services'

const PROMPTS = [
  'Summarise the trade-offs between optimistic and pessimistic locking in a database, with an example of each.',
  'Write a short, friendly reply thanking a colleague for reviewing my pull request yesterday.',
  'Explain step by step why the sum of two odd numbers is always even.',
  'Design a rate limiter for a multi-tenant API and describe how it behaves under bursts of traffic.',
]

const home = mkdtempSync(join(tmpdir(), 'routellm-first-decision-'))
const started = performance.now()
const services = await createServices({ host: 'headless', env: { ...process.env, ROUTELLM_HOME: home, OLLAMA_HOST: '127.0.0.1:1' }, log: () => {} })
// What a host has once it is up and idle: the semantic index built and the warm-up done.
await services.router.warmedUp
const readyMs = performance.now() - started
const timed = async (prompt: string) => {
  const t0 = performance.now()
  const decision = await services.router.decide(prompt)
  return { ms: performance.now() - t0, decision }
}
const first = await timed(`${PROMPTS[0]} (first)`)
const later: number[] = []
for (let i = 0; i < 200; i++) later.push((await timed(`${PROMPTS[i % PROMPTS.length]} (${i})`)).ms)
later.sort((a, b) => a - b)
const semantic = first.decision.trace.find((v) => v.pillar === 'semantic')
process.stdout.write(
  `${JSON.stringify({ readyMs, firstMs: first.ms, laterP50Ms: later[later.length >> 1], semantic: semantic?.status ?? 'absent', rssMiB: process.memoryUsage().rss / 1048576 })}\n`,
)
await services.close()
rmSync(home, { recursive: true, force: true })
