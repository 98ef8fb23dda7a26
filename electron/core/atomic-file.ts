import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

// Every file RouteLLM keeps (settings, policy, bandit and cost statistics, clusters) is
// written through here, so a crash or a full disk never leaves a half-written one.

/**
 * Replace a file so that a crash leaves either the old or the new content, never half of
 * each: write a temp file beside it, fsync it, rename it over the target, fsync the folder.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  const dir = dirname(path)
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let fd: number | null = openSync(temp, 'wx', mode)
  try {
    const buffer = Buffer.from(content, 'utf8')
    let offset = 0
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset)
    fsyncSync(fd)
    closeSync(fd)
    fd = null
    renameSync(temp, path)
  } catch (error) {
    if (fd !== null) closeSync(fd)
    rmSync(temp, { force: true })
    throw error
  }
  syncDir(dir)
}

/** Make a rename durable. Windows cannot open a folder for fsync; there the rename is already durable enough. */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return
  let fd: number | null = null
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Some filesystems refuse fsync on a folder; the file itself is synced.
  } finally {
    if (fd !== null) closeSync(fd)
  }
}

/** `value` as pretty JSON, written atomically; creates the folder if needed. */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode)
}
