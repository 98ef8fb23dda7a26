// `routellm doctor --deep` against the doubles: every checklist item runs and passes on a
// sound setup, and each one fails when that part is broken on purpose.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { startOpenAIDouble, type OpenAIDouble } from '../../../e2e/doubles/openai-double'
import { probeItems } from '../../../test/support/probe-script'
import { createJudgePillar } from '../../core/pillars/judge'
import { defaultClustersFile } from '../../core/semantic/clusters'
import { main } from '../cli'
import { createDoctorCommand, type DoctorCommandDeps } from './doctor'
import { captureIo } from '../../../test/support/cli-io'

const SLOW = 120_000
const CLOUD_KEY = 'sk-doctor-deep'
const DEEP_IDS = ['embedding-alignment', 'judge-stress', 'bandit-epsilon', 'latency-baseline', 'privacy-audit']

type Report = { ok: boolean; checks: Array<{ id: string; status: string; message: string; detail?: Record<string, unknown> }> }

let ollama: OllamaDouble
let cloud: OpenAIDouble
beforeAll(async () => {
  ollama = await startOllamaDouble({ models: ['llama3.2:1b'] })
  cloud = await startOpenAIDouble({ apiKey: CLOUD_KEY })
})
afterEach(() => ollama.clearFault())
afterAll(async () => {
  await ollama.close()
  await cloud.close()
})

function home(policy?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'routellm-doctor-deep-'))
  if (policy) writeFileSync(join(dir, 'policy.json'), JSON.stringify({ version: 1, ...policy }))
  return dir
}

/** `routellm doctor --deep --json …` in-process, with the doctor's test seams when given. */
async function deep(
  dir: string,
  args: string[] = [],
  deps?: DoctorCommandDeps,
): Promise<{ code: number; report: Report; byId: Map<string, Report['checks'][number]> }> {
  const { captured, ...io } = captureIo()
  const env = {
    ROUTELLM_HOME: dir,
    OLLAMA_HOST: ollama.url,
    ROUTELLM_CLOUD_BASE_URL: cloud.url,
    ROUTELLM_CLOUD_API_KEY: CLOUD_KEY,
    ROUTELLM_CLOUD_MODEL: 'gpt-4o-mini',
    ROUTELLM_STATE_SYNC_MS: '50',
  }
  const argv = ['doctor', '--deep', '--json', ...args]
  const code = deps ? await createDoctorCommand(deps).run({ ...io, env, args: argv.slice(1) }) : await main(argv, { ...io, env })
  const report = JSON.parse(captured.out) as Report
  return { code, report, byId: new Map(report.checks.map((c) => [c.id, c])) }
}

describe('routellm doctor --deep', () => {
  it('runs every checklist item against the doubles; a sound setup passes (exit 0)', { timeout: SLOW }, async () => {
    const { code, report, byId } = await deep(home())
    expect(report.checks.slice(-5).map((c) => c.id)).toEqual(DEEP_IDS)
    // The bundled GloVe model misplaces one-step sums; that is a warning, not a failure.
    expect(byId.get('embedding-alignment')?.status).toMatch(/^(ok|warn)$/)
    expect(byId.get('embedding-alignment')?.message).toMatch(/^the bundled probe set: nearest cluster in the expected tier for \d+ of 48 prompts/)
    for (const id of DEEP_IDS.slice(1)) expect(byId.get(id), JSON.stringify(byId.get(id))).toMatchObject({ status: 'ok' })
    expect(byId.get('latency-baseline')?.message).toMatch(
      /^decision p50 [\d.]+ ms, p95 [\d.]+ ms; local TTFT \d+ ms \(llama3\.2:1b\); cloud TTFT \d+ ms \(gpt-4o-mini\)$/,
    )
    expect(byId.get('privacy-audit')?.message).toMatch(/answered by local \(llama3\.2:1b\) and reached no cloud request/)
    expect(code, JSON.stringify(report.checks.filter((c) => c.status === 'fail'))).toBe(0)
  })

  it('embedding alignment fails on labels the embedding contradicts (every tier swapped)', { timeout: SLOW }, async () => {
    const dir = home()
    const tiers = new Map(
      (JSON.parse(readFileSync(defaultClustersFile(), 'utf8')) as { clusters: Array<{ id: string; tier: string }> }).clusters.map((c) => [c.id, c.tier]),
    )
    const swapped = probeItems().map((i) => JSON.stringify({ prompt: i.prompt, label: tiers.get(i.cluster) === 'cloud' ? 'local' : 'cloud' }))
    writeFileSync(join(dir, 'labelled.jsonl'), `${swapped.join('\n')}\n`)
    const { code, byId } = await deep(dir, ['--labelled', join(dir, 'labelled.jsonl')])
    expect(byId.get('embedding-alignment')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`${join(dir, 'labelled.jsonl')}: nearest cluster in the expected tier for`),
    })
    expect(code).toBe(1)
  })

  it('judge stress test fails for a judge that digs a number out of any answer', { timeout: SLOW }, async () => {
    // A judge whose model client "repairs" replies: the first digit becomes the difficulty.
    const lenient: NonNullable<DoctorCommandDeps['deep']>['judge'] = (chat) =>
      createJudgePillar({
        chat: async (req) => JSON.stringify({ difficulty: Number(/\d/.exec(await chat(req))?.[0] ?? 5) || 5, reason: 'repaired' }),
        cacheSize: 0,
      })
    const { code, byId } = await deep(home(), [], { deep: { judge: lenient } })
    expect(byId.get('judge-stress')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^the judge took \d+ bad answer\(s\) at face value: not JSON: scored/),
    })
    expect(code).toBe(1)
  })

  it('bandit epsilon fails when new arms are hardly explored (no warm-up, floor 0.01)', { timeout: SLOW }, async () => {
    const { code, byId } = await deep(home({ bandit: { epsilon: { warmupPulls: 0, floor: 0.01 } } }))
    expect(byId.get('bandit-epsilon')).toMatchObject({ status: 'fail', message: expect.stringContaining('under the 0.1 exploration new arms need') })
    expect(code).toBe(1)
  })

  it('latency baseline fails when the local model is slow to its first token', { timeout: SLOW }, async () => {
    ollama.setFault({ kind: 'slowFirstToken', delayMs: 1_500, paths: ['/api/chat'] })
    const { code, byId } = await deep(home(), [], { deep: { latencyLimits: { localTtftMs: 500 } } })
    expect(byId.get('latency-baseline')).toMatchObject({ status: 'fail', message: expect.stringContaining('local first token over 500 ms') })
    expect(code).toBe(1)
  })

  it('privacy audit fails when the privacy pin is off: the canary reaches the cloud double', { timeout: SLOW }, async () => {
    const before = cloud.requests.length
    const { code, byId } = await deep(home({ rules: { privacy: { enabled: false } } }))
    expect(byId.get('privacy-audit')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^a private prompt \(a canary, asked for the cloud\) reached a request to the cloud/),
    })
    expect(JSON.stringify(cloud.requests.slice(before))).toMatch(/doctor-canary-[0-9a-f]{12}@example\.com/)
    expect(code).toBe(1)
  })
})
