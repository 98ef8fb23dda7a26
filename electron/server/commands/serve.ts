import { randomBytes } from 'node:crypto'
import { findUp } from '../../core/lib/bundled-resource'
import { createHandlers } from '../../core/handlers'
import { createServices } from '../../core/services'
import { createHttpHost } from '../http-server'
import { isLoopbackHostname } from '../http-guard'
import { UsageError, type CliCommand } from './command'
import { parseFlags } from './flags'

export const DEFAULT_PORT = 4848

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the headless host: web dashboard + contract API on loopback',
  usage: 'serve [--port N] [--host 127.0.0.1]',
  async run(ctx) {
    const { flags } = parseFlags(ctx.args, { port: 'string', host: 'string' })
    const host = (flags.host as string | undefined) ?? '127.0.0.1'
    // Listening elsewhere would expose prompts and the engine to the network.
    if (!isLoopbackHostname(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, localhost, ::1), not "${host}"`)
    const port = flags.port === undefined ? DEFAULT_PORT : Number(flags.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not "${flags.port}"`)

    const services = await createServices({ host: 'headless', env: ctx.env, log: (line) => ctx.stderr.write(`${line}\n`) })
    const token = randomBytes(32).toString('base64url')
    // The built dashboard, found from the source tree and from the built CLI alike; null when not built.
    const staticDir = findUp('out', 'renderer')
    const http = createHttpHost({
      handlers: createHandlers(services),
      bus: services.bus,
      token,
      staticDir,
      chat: services.chat,
      ...(ctx.env.ROUTELLM_GATEWAY_KEY ? { gatewayKey: ctx.env.ROUTELLM_GATEWAY_KEY } : {}),
      log: (l) => ctx.stderr.write(`${l}\n`),
    })
    // IPv6 loopback may be written bare (::1) or as in a URL ([::1]); listen() takes it bare.
    const bindHost = host === 'localhost' ? '127.0.0.1' : host.replace(/^\[(.*)\]$/, '$1')
    const bound = await http.listen(port, bindHost)
    const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost
    if (!staticDir) ctx.stderr.write('dashboard not built (run `npm run build`); serving the API only\n')
    // The token rides in the fragment: browsers never send it to a server or a Referer.
    ctx.stdout.write(`RouteLLM dashboard: http://${shownHost}:${bound}/#token=${token}\n`)

    await new Promise<void>((resolve) => {
      const shutdown = () => resolve()
      process.once('SIGINT', shutdown)
      process.once('SIGTERM', shutdown)
    })
    services.chat.stopAll()
    http.server.closeAllConnections()
    await new Promise((resolve) => http.server.close(resolve))
    await services.close()
    return 0
  },
}
