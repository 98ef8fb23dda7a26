// A stand-in for the Hugging Face hub's file layout, the one transformers.js and
// `routellm models fetch` read: GET /{owner}/{name}/resolve/{revision}/{file}.
// It serves files from disk (typically the bundled model's) under made-up ids.
// Test-only: product code never imports anything under e2e/.
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

export interface HubRepo {
  /** repo path (e.g. "onnx/model.onnx") → file on disk */
  files: Record<string, string>
  /** A repo path whose download breaks off (fewer bytes than Content-Length). */
  truncate?: string
}

export interface HubDouble {
  server: Server
  /** http://127.0.0.1:PORT — pass as remoteHost / --remote-host. */
  url: string
  /** Every request path, in order. */
  hits: string[]
  close(): Promise<void>
}

/** The files of a model folder in the transformers.js layout, as a hub repo. */
export function modelFolderRepo(dir: string, extra: Partial<HubRepo> = {}): HubRepo {
  return {
    files: {
      'config.json': path.join(dir, 'config.json'),
      'tokenizer.json': path.join(dir, 'tokenizer.json'),
      'tokenizer_config.json': path.join(dir, 'tokenizer_config.json'),
      'onnx/model.onnx': path.join(dir, 'onnx', 'model.onnx'),
    },
    ...extra,
  }
}

/** Starts the hub double on 127.0.0.1 (random port). Only revision "main" exists; anything else is 404 "Entry not found". */
export function startHubDouble(repos: Record<string, HubRepo>): Promise<HubDouble> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(req.url ?? '')
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '')
    const repo = m ? repos[m[1]!] : undefined
    const file = m && repo ? repo.files[decodeURIComponent(m[3]!)] : undefined
    if (!m || m[2] !== 'main' || !repo || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found')
      return
    }
    readFile(file).then(
      (bytes) => {
        if (repo.truncate === m[3]) {
          res.writeHead(200, { 'content-length': String(bytes.length) })
          res.write(bytes.subarray(0, 100))
          res.destroy()
          return
        }
        res.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes)
      },
      () => res.writeHead(500).end(),
    )
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        hits,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  )
}
