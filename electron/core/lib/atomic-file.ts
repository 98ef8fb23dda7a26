import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
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

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove the temp files a crash (kill -9, power loss) left in `dir` between writing and
 * renaming. A temp file whose writer is still running is left alone: another process on the
 * same data folder may be mid-write. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names) {
    const match = TEMP_NAME.exec(name)
    const pid = Number(match?.[1])
    if (!match || pid === process.pid || alive(pid)) continue
    await rm(join(dir, name), { force: true }).then(
      () => removed.push(name),
      () => undefined,
    )
  }
  return removed
}
