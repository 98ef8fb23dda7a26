import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { removeStaleTempFiles, writeJsonAtomic } from './atomic-file'

/** A process id that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('stale temp files', () => {
  it('removes what a crashed writer left, keeps a live writer’s temp file and everything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routellm-atomic-'))
    writeJsonAtomic(join(dir, 'cost.json'), { version: 1 })
    const dead = await deadPid()
    const crashed = `.cost.json.${dead}.0123abcd.tmp`
    const live = `.network.json.${process.ppid}.89abcdef.tmp`
    const mine = `.policy.json.${process.pid}.00000000.tmp`
    for (const name of [crashed, live, mine, 'notes.tmp']) writeFileSync(join(dir, name), '{')
    expect(await removeStaleTempFiles(dir)).toEqual([crashed])
    expect(readdirSync(dir).sort()).toEqual([live, mine, 'cost.json', 'notes.tmp'].sort())
  })
})
