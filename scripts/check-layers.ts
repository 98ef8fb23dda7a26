// Finds import cycles between the folders of electron/core (the layer order itself is
// enforced by lint; this also sees dynamic imports, which lint does not). Exits 1 on a cycle.
//   npm run check:layers
import { fileURLToPath } from 'node:url'
import { folderCycles, folderEdges } from './folder-cycles'

const core = fileURLToPath(new URL('../electron/core', import.meta.url))
const edges = folderEdges(core)
const cycles = folderCycles(edges)
if (cycles.length === 0) {
  const folders = new Set(edges.flatMap((e) => [e.from, e.to]))
  console.log(`electron/core: ${folders.size} folders, ${edges.length} imports between them, no folder cycle.`)
} else {
  for (const cycle of cycles) {
    console.error(`folder cycle: ${cycle.join(' ↔ ')}`)
    for (const e of edges) if (cycle.includes(e.from) && cycle.includes(e.to)) console.error(`  ${e.from} → ${e.to}: ${e.file} imports '${e.specifier}'`)
  }
  process.exitCode = 1
}
