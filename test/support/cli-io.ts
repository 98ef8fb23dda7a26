import { PassThrough, Readable } from 'node:stream'

/**
 * Streams for driving a CLI command in-process (test support, not imported by the product):
 * what the command writes is collected in `captured.out` / `captured.err`.
 */
export function captureIo(stdin = '') {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const captured = { out: '', err: '' }
  stdout.on('data', (chunk) => (captured.out += chunk))
  stderr.on('data', (chunk) => (captured.err += chunk))
  return { stdout, stderr, stdin: Readable.from(stdin ? [stdin] : []), captured }
}
