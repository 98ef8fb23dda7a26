import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { builtCliIsCurrent } from './built-cli.js'

describe('builtCliIsCurrent', () => {
  let dir: string
  const file = (rel: string, at: number) => {
    const full = join(dir, rel)
    mkdirSync(join(full, '..'), { recursive: true })
    writeFileSync(full, '')
    utimesSync(full, at, at)
  }
  const current = () => builtCliIsCurrent(pathToFileURL(`${dir}/`))

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'routellm-built-cli-'))
    file('electron/core/engine.ts', 1000)
    file('shared/contract.ts', 1000)
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('runs the build when it is newer than every source file', () => {
    file('out/main/cli.js', 2000)
    expect(current()).toBe(true)
  })

  it('runs the sources when one of them was edited after the build', () => {
    file('out/main/cli.js', 2000)
    file('shared/deep/folder/decision.ts', 3000)
    expect(current()).toBe(false)
  })

  it('runs the sources when nothing was built', () => {
    expect(current()).toBe(false)
  })

  it('ignores files other than TypeScript sources', () => {
    file('out/main/cli.js', 2000)
    file('electron/notes.md', 3000)
    expect(current()).toBe(true)
  })
})
