// The upstream of the gateway bench: the OpenAI double in a process of its own, so the load
// generator, the gateway and the upstream each have their own event loop. Prints its base URL
// (with /v1) on one line, then serves until killed.
//   node --import tsx bench/gateway-upstream.ts [--port N] [--key sk-...]
import { parseArgs } from 'node:util'
import { startOpenAIDouble } from '../e2e/doubles/openai-double'

const { values } = parseArgs({ options: { port: { type: 'string' }, key: { type: 'string' }, model: { type: 'string' } } })
const REPLY = 'Routing keeps easy prompts on your own machine and sends the hard ones to a bigger model.'
const double = await startOpenAIDouble({
  apiKey: values.key ?? 'sk-bench',
  models: [values.model ?? 'gpt-4o-mini'],
  reply: () => REPLY,
  ...(values.port ? { port: Number(values.port) } : {}),
})
// The double logs every request for test assertions; a bench sends hundreds of thousands.
setInterval(() => double.requests.splice(0), 1000).unref()
process.stdout.write(`upstream ${double.url}\n`)
process.once('SIGTERM', () => void double.close().then(() => process.exit(0)))
