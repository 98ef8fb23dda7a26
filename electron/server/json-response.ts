import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'

/**
 * Answers with one JSON body and its length. With Content-Length known, node sends the head
 * and the body in one socket write; after a writeHead without it, the body goes out chunked:
 * head, chunk size, body and terminator gathered into a writev, and more bytes to parse.
 */
export function sendJsonBody(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}
