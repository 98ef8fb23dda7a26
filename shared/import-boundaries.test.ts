import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'

/**
 * The runtime boundaries of DESIGN.md are enforced by lint; these cases prove the rules
 * bite (a rule that never fires would let the architecture rot silently).
 */
// The probes are not files on disk, so no tsconfig holds them: lint them without type information.
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: tseslint.configs.disableTypeChecked })

async function restrictedImports(filePath: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length
}

describe('import boundaries', () => {
  it("forbids 'electron' in electron/core and in the renderer", async () => {
    expect(await restrictedImports('electron/core/probe.ts', "import { app } from 'electron'\nexport const a = app\n")).toBe(1)
    expect(await restrictedImports('renderer/src/probe.ts', "import { ipcRenderer } from 'electron'\nexport const a = ipcRenderer\n")).toBeGreaterThan(0)
  })

  it('forbids electron/core from importing a host', async () => {
    expect(await restrictedImports('electron/core/probe.ts', "import { main } from '../server/cli'\nexport const a = main\n")).toBe(1)
    expect(await restrictedImports('electron/core/x/probe.ts', "import { bindContract } from '../../main/ipc'\nexport const a = bindContract\n")).toBe(1)
  })

  it('forbids the renderer from importing Node or engine code, but allows shared/', async () => {
    expect(await restrictedImports('renderer/src/probe.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toBeGreaterThan(0)
    expect(await restrictedImports('renderer/src/probe.ts', "import { join } from 'path'\nexport const a = join\n")).toBe(1)
    expect(
      await restrictedImports('renderer/src/probe.ts', "import { createHandlers } from '../../electron/core/handlers'\nexport const a = createHandlers\n"),
    ).toBeGreaterThan(0)
    expect(await restrictedImports('renderer/src/probe.ts', "import { contract } from '../../shared/contract'\nexport const a = contract\n")).toBe(0)
  })

  it('keeps test doubles out of product code and Node out of shared/', async () => {
    expect(
      await restrictedImports(
        'electron/core/probe.ts',
        "import { startOllamaDouble } from '../../e2e/doubles/ollama-double'\nexport const a = startOllamaDouble\n",
      ),
    ).toBe(1)
    expect(await restrictedImports('shared/probe.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toBe(1)
  })

  it('keeps test support out of every product runtime, but lets tests use it', async () => {
    const harness = "import { createHarness } from '../../../test/support/chat-harness'\nexport const a = createHarness\n"
    expect(await restrictedImports('electron/core/chat/probe.ts', harness)).toBe(1)
    expect(await restrictedImports('electron/core/chat/probe.test.ts', harness)).toBe(0)
    expect(
      await restrictedImports('electron/server/commands/probe.ts', "import { captureIo } from '../../../test/support/cli-io'\nexport const a = captureIo\n"),
    ).toBe(1)
    expect(await restrictedImports('electron/main/probe.ts', "import { FakeClock } from '../../test/support/chat-harness'\nexport const a = FakeClock\n")).toBe(
      1,
    )
    expect(
      await restrictedImports('renderer/src/probe.ts', "import { FakeClock } from '../../test/support/chat-harness'\nexport const a = FakeClock\n"),
    ).toBeGreaterThan(0)
    expect(await restrictedImports('shared/probe.ts', "import { FakeClock } from '../test/support/chat-harness'\nexport const a = FakeClock\n")).toBe(1)
  })
})

/**
 * The layers inside electron/core, lowest first; each row is a folder and an import of the
 * nearest layer it may not reach (the one above it, or a sibling of its own layer).
 */
const LAYER_VIOLATIONS: Array<[folder: string, forbidden: string]> = [
  ['lib', '../state/state-db'],
  ['state', '../keys/key-store'],
  ['keys', '../ollama/bridge'],
  ['ollama', '../cost/prices'],
  ['cost', '../semantic/scoring'],
  ['semantic', '../policy/store'],
  ['policy', '../providers/types'],
  ['providers', '../health/routing-gate'],
  ['health', '../pillars/rules'],
  ['pillars', '../engine/router'],
  ['engine', '../chat/chat-service'],
  ['chat', '../telemetry/store'],
  ['settings', '../clusters/cluster-service'],
  ['telemetry', '../settings/settings-store'],
  ['clusters', '../doctor/checks'],
  ['learning', '../telemetry/store'],
  ['doctor', '../services'],
]

describe('core layers', () => {
  it.each(LAYER_VIOLATIONS)('%s may not import %s', async (folder, forbidden) => {
    expect(await restrictedImports(`electron/core/${folder}/probe.ts`, `import { x } from '${forbidden}'\nexport const a = x\n`)).toBe(1)
  })

  it('holds in subfolders, for type-only imports and re-exports', async () => {
    expect(await restrictedImports('electron/core/engine/combiner/probe.ts', "import { x } from '../../chat/chat-service'\nexport const a = x\n")).toBe(1)
    expect(await restrictedImports('electron/core/health/probe.ts', "import type { X } from '../chat/outcome'\nexport type A = X\n")).toBe(1)
    expect(await restrictedImports('electron/core/pillars/probe.ts', "export { createRouter } from '../engine/router'\n")).toBe(1)
  })

  it('lets a folder import the layers below it, its own files, shared/ and packages', async () => {
    const allowed = [
      "import { writeJsonAtomic } from '../lib/atomic-file'",
      "import { CostStore } from '../cost/cost-store'",
      "import { ProviderRegistry } from '../providers/registry'",
      "import { RoutingGate } from './routing-gate'",
      "import type { Decision } from '../../../shared/decision'",
      "import type { ChatTurn } from '../../../shared/chat'",
      "import { z } from 'zod'",
    ]
    for (const line of allowed) expect(await restrictedImports('electron/core/health/probe.ts', `${line}\nexport const a = 1\n`), line).toBe(0)
  })

  it('lets tests of a folder use higher layers (a health suite may drive the real router)', async () => {
    expect(
      await restrictedImports('electron/core/health/probe.test.ts', "import { createRouter } from '../engine/router'\nexport const a = createRouter\n"),
    ).toBe(0)
  })
})
