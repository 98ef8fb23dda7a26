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
    expect(await restrictedImports('renderer/src/probe.ts', "import { createHandlers } from '../../electron/core/handlers'\nexport const a = createHandlers\n")).toBeGreaterThan(0)
    expect(await restrictedImports('renderer/src/probe.ts', "import { contract } from '../../shared/contract'\nexport const a = contract\n")).toBe(0)
  })

  it('keeps test doubles out of product code and Node out of shared/', async () => {
    expect(await restrictedImports('electron/core/probe.ts', "import { startOllamaDouble } from '../../e2e/doubles/ollama-double'\nexport const a = startOllamaDouble\n")).toBe(1)
    expect(await restrictedImports('shared/probe.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toBe(1)
  })
})
