import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { folderCycles, folderEdges } from './folder-cycles'

let root: string | null = null

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'folder-cycles-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true })
  root = null
})

describe('folder cycles of electron/core', () => {
  it('sees no cycle when imports go one way', () => {
    const dir = tree({
      'lib/a.ts': 'export const a = 1\n',
      'health/b.ts': "import { a } from '../lib/a'\nexport const b = a\n",
      'services.ts': "import { b } from './health/b'\nexport const c = b\n",
    })
    const edges = folderEdges(dir)
    expect(edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(['(root)>health', 'health>lib'])
    expect(folderCycles(edges)).toEqual([])
  })

  it('finds a cycle made by a type-only import, and one closed by a dynamic import through a third folder', () => {
    const dir = tree({
      'chat/a.ts': "import type { B } from '../health/b'\nexport type A = B\n",
      'health/b.ts': "import type { A } from '../chat/a'\nexport type B = { a?: A }\n",
      'engine/c.ts': "import { d } from '../pillars/d'\nexport const c = d\n",
      'pillars/d.ts': "import { e } from '../lib/e'\nexport const d = e\n",
      'lib/e.ts': "export const e = async () => (await import('../engine/c')).c\n",
    })
    expect(folderCycles(folderEdges(dir))).toEqual([
      ['chat', 'health'],
      ['engine', 'lib', 'pillars'],
    ])
  })

  it('ignores tests, imports inside one folder and imports that leave the tree', () => {
    const dir = tree({
      'chat/a.ts': "import { b } from './b'\nimport { z } from 'zod'\nexport const a = [b, z]\n",
      'chat/b.ts': 'export const b = 1\n',
      'lib/c.test.ts': "import { a } from '../chat/a'\nexport const c = a\n",
      'lib/d.ts': 'export const d = 1\n',
    })
    expect(folderEdges(dir)).toEqual([])
  })
})
