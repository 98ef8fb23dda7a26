// The floor of the gateway bench: a bare pass-through proxy in Node (node:http server, a
// keep-alive agent to the upstream, bodies piped both ways, nothing parsed). What RouteLLM adds
// beyond this row is the cost of routing, validation, failover and bookkeeping; what this row
// adds over direct is the cost of any extra loopback hop in Node.
//   node --import tsx bench/gateway-bare-proxy.ts --upstream http://127.0.0.1:PORT/v1
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { upstream: { type: 'string' } } })
const upstream = new URL(values.upstream ?? '')
const agent = new http.Agent({ keepAlive: true })
const server = http.createServer((req, res) => {
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  forward.on('error', () => (res.headersSent ? res.destroy() : (res.writeHead(502), res.end())))
  req.pipe(forward)
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`bare proxy http://127.0.0.1:${(server.address() as AddressInfo).port}/v1\n`))
process.once('SIGTERM', () => server.close(() => process.exit(0)))
