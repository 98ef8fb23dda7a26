import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/** One import that crosses from one folder of the tree to another. */
export interface FolderEdge {
  from: string
  to: string
  /** The importing file and the specifier it wrote, relative to the root, for the report. */
  file: string
  specifier: string
}

/** The folder a file belongs to: its first path segment under the root, or "(root)" for files at the top. */
export function folderOf(root: string, file: string): string {
  const parts = relative(root, file).split(sep)
  return parts.length === 1 ? '(root)' : parts[0]!
}

function productFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...productFiles(path))
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(path)
  }
  return out
}

function resolveImport(file: string, specifier: string): string | null {
  const base = resolve(dirname(file), specifier)
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return null
}

/**
 * Every import between two different folders under `root`, from the product files (tests
 * excluded). Reads static, type-only and dynamic imports and re-exports, as TypeScript sees
 * them; specifiers that leave the root (shared/, packages, Node) are not edges.
 */
export function folderEdges(root: string): FolderEdge[] {
  const edges: FolderEdge[] = []
  for (const file of productFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue
      const target = resolveImport(file, specifier)
      if (!target || relative(root, target).startsWith('..')) continue
      const from = folderOf(root, file)
      const to = folderOf(root, target)
      if (from !== to) edges.push({ from, to, file: relative(root, file), specifier })
    }
  }
  return edges
}

/**
 * The groups of folders that reach each other through imports (strongly connected
 * components of more than one folder, Tarjan's algorithm), each sorted by name.
 */
export function folderCycles(edges: readonly FolderEdge[]): string[][] {
  const next = new Map<string, Set<string>>()
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set())
    if (!next.has(to)) next.set(to, new Set())
    next.get(from)!.add(to)
  }
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (node: string): void => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    onStack.add(node)
    for (const to of next.get(node)!) {
      if (!index.has(to)) {
        visit(to)
        low.set(node, Math.min(low.get(node)!, low.get(to)!))
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!))
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1) cycles.push(component.sort())
  }
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node)
  return cycles
}
