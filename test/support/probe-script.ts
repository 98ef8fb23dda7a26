// Test support: scripts the Ollama double to answer the bundled probe set, right or wrong
// per cluster, so a self-check's outcome is chosen by the test. Never imported by product code.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { OllamaScriptRule } from '../../e2e/doubles/ollama-double'

interface Item {
  id: string
  cluster: string
  prompt: string
  reference: string
  wrong: string
}

const PROBES = fileURLToPath(new URL('../../resources/probe/probes.json', import.meta.url))

export function probeItems(): Item[] {
  return (JSON.parse(readFileSync(PROBES, 'utf8')) as { items: Item[] }).items
}

/** One rule per probe: its reference answer, or its wrong answer for the clusters in `failing`. */
export function probeScript(failing: readonly string[] = []): OllamaScriptRule[] {
  return probeItems().map((item) => ({ match: item.prompt, reply: failing.includes(item.cluster) ? item.wrong : item.reference }))
}
