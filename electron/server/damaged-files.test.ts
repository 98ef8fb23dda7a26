// Black-box: `serve` and `doctor` in fresh processes on a data folder whose files were damaged
// while RouteLLM was not running. Every protection must still hold, and the problem must show.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DataFileProblem } from '../../shared/health'
import type { ServeProcess } from '../../e2e/serve-process'
import { useServeStack } from '../../test/support/serve-stack'

const KEY = 'sk-damaged-files-double'
const PROMPT = 'Compare two approaches to caching in a web service.'

const stack = useServeStack({ key: KEY, cloudReply: 'Cloud answer.', syncMs: 200 })
const serve = stack.serve

const chopLastByte = (file: string) => writeFileSync(file, readFileSync(file, 'utf8').trimEnd().slice(0, -1))
const problemsOf = async (host: ServeProcess) => (await host.rpc<{ problems?: DataFileProblem[] }>('health.status')).problems ?? []

describe('damaged data files fail closed', () => {
  it(
    'with last good copies: the cap, the offline switch and the policy hold, clusters fall back, and every problem is named',
    { timeout: 180_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'routellm-damaged-'))
      writeFileSync(join(home, 'policy.json'), JSON.stringify({ version: 1, threshold: 58 }))
      const setup = await serve(home)
      await setup.rpc('cost.setBudget', { dailyUsd: 0, action: 'refuse' })
      await setup.rpc('network.setOffline', { offline: true })
      await setup.stop()

      chopLastByte(join(home, 'cost.json'))
      chopLastByte(join(home, 'network.json'))
      chopLastByte(join(home, 'policy.json'))
      writeFileSync(join(home, 'clusters.json'), '{"version": 1, "clusters": [{"id": "x"}]}')
      writeFileSync(join(home, 'bandit.json'), '{"version": 1, "arms": [')

      const host = await serve(home)
      const report = await host.rpc<{ network: { offline: boolean } }>('health.status')
      expect(report.network.offline).toBe(true)
      const problems = await problemsOf(host)
      expect(Object.fromEntries(problems.map((p) => [p.file, p.message]))).toMatchObject({
        'cost.json': expect.stringMatching(/^cost\.json: is not valid JSON .*Using the last good copy \(cost\.json\.bak\)/),
        'network.json': expect.stringMatching(/^network\.json: is not valid JSON .*Using the last good copy \(network\.json\.bak\)/),
        'bandit.json': expect.stringMatching(/^bandit\.json: is not valid JSON \(it ends too early\)/),
      })
      // The semantic pillar keeps working on the built-in clusters.
      await expect
        .poll(
          async () =>
            (await host.rpc<{ trace: { pillar: string; status: string }[] }>('route.decide', { prompt: PROMPT })).trace.find((v) => v.pillar === 'semantic')
              ?.status,
          { timeout: 60_000 },
        )
        .toBe('scored')
      expect((await problemsOf(host)).find((p) => p.file === 'clusters.json')?.message).toMatch(/Using the built-in clusters/)
      // The policy is the last good one, and the log says so truthfully.
      expect(await host.rpc('policy.status')).toMatchObject({ policyThreshold: 58, lastError: { message: expect.stringContaining('policy.json') } })
      expect(host.output()).toContain('using the last good copy (policy.json.bak)')
      // With offline off, the cap from cost.json.bak still refuses the cloud.
      await host.rpc('network.setOffline', { offline: false })
      const before = stack.cloud.requests.length
      expect((await host.complete('routellm/cloud', PROMPT)).status).not.toBe(200)
      expect(stack.cloud.requests.length).toBe(before)

      const doctor = await stack.cli(home, ['doctor', '--json'])
      const check = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }).checks.find((c) => c.id === 'data-files')!
      expect(check.status).toBe('warn')
      for (const file of ['cost.json', 'bandit.json', 'clusters.json']) expect(check.message).toContain(file)
    },
  )

  it('with no good copy: offline stays on and the cloud is refused until the user saves new settings', { timeout: 180_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'routellm-damaged-'))
    writeFileSync(join(home, 'cost.json'), '{"version": 1, "budget": {"dailyUsd": "five"}}')
    writeFileSync(join(home, 'network.json'), '{"offline": "no"}')

    const doctor = await stack.cli(home, ['doctor', '--json'])
    const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }).checks
    expect(checks.find((c) => c.id === 'data-files')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/budget\.dailyUsd.*every cloud request is refused.*network\.json: offline: .*offline mode is on/),
    })
    expect(checks.find((c) => c.id === 'offline')?.message).toMatch(/^on/)
    expect(doctor.code).toBe(1)

    const host = await serve(home)
    expect((await host.rpc<{ network: { offline: boolean } }>('health.status')).network.offline).toBe(true)
    expect((await problemsOf(host)).map((p) => p.file).sort()).toEqual(['cost.json', 'network.json'])
    expect(host.output()).toContain('No good copy was found, so every cloud request is refused')
    await host.rpc('network.setOffline', { offline: false })
    const before = stack.cloud.requests.length
    const refused = await host.complete('routellm/cloud', PROMPT)
    expect(refused.status).not.toBe(200)
    expect(JSON.stringify(refused.body)).toContain('cost.json')
    expect(stack.cloud.requests.length).toBe(before)
    // Saving a budget replaces the damaged file (kept aside) and lifts the refusal.
    await host.rpc('cost.setBudget', { dailyUsd: 5 })
    expect((await host.complete('routellm/cloud', PROMPT)).status).toBe(200)
    expect(await problemsOf(host)).toEqual([])
  })

  it(
    'route, simulate and doctor in a fresh process: a damaged policy.json gives way to its .bak, a damaged override to none, with warnings',
    { timeout: 180_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'routellm-damaged-'))
      writeFileSync(join(home, 'policy.json.bak'), JSON.stringify({ version: 1, threshold: 58 }))
      writeFileSync(join(home, 'policy.json'), '{"version": 1, "threshold": ')
      writeFileSync(join(home, 'threshold-override.json'), '{"version": 1, "patch": {')
      const data = join(home, 'prompts.txt')
      writeFileSync(data, `${PROMPT}\nHello!\n`)
      const warnings = [
        /policy\.json: not valid JSON .*\); using the last good copy \(policy\.json\.bak\)/,
        /threshold-override\.json: not valid JSON .*\); using no override/,
      ]

      const route = await stack.cli(home, ['route', PROMPT, '--json'])
      expect(route.code, route.stderr).toBe(0)
      expect((JSON.parse(route.stdout) as { threshold: number }).threshold).toBe(58)
      for (const warning of warnings) expect(route.stderr).toMatch(warning)

      const simulated = await stack.cli(home, ['simulate', '--data', data, '--json', '--no-semantic'])
      expect(simulated.code, simulated.stderr).toBe(0)
      expect(JSON.parse(simulated.stdout)).toMatchObject({ n: 2, threshold: 58 })
      for (const warning of warnings) expect(simulated.stderr).toMatch(warning)

      const doctor = await stack.cli(home, ['doctor', '--json'])
      const policy = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }).checks.find((c) => c.id === 'policy')!
      // The override has no good copy, so what the user tuned is not in force: a failure, not a warning.
      expect(policy.status).toBe('fail')
      expect(policy.message).toMatch(/the hosts use the last good copy \(policy\.json\.bak\).*the hosts use no override.*routing threshold 58$/)
      // Reading changed nothing: the damaged files are still there for the user to fix.
      expect(readFileSync(join(home, 'policy.json'), 'utf8')).toBe('{"version": 1, "threshold": ')
    },
  )
})

describe('clusters.json edited while a host runs', () => {
  it('a valid edit takes effect without a restart; an invalid one keeps the clusters in force and shows in health.status', { timeout: 180_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'routellm-clusters-edit-'))
    const host = await serve(home)
    const prompt = 'Fill in the quarterly TPS cover sheet for the Initech audit.'
    const nearest = async () => {
      const d = await host.rpc<{ trace: { pillar: string; detail?: { nearest?: { id: string } | null } }[] }>('route.decide', { prompt })
      return d.trace.find((v) => v.pillar === 'semantic')?.detail?.nearest?.id ?? null
    }
    const cluster = {
      id: 'office-forms',
      name: 'Office forms',
      tier: 'cloud',
      utterances: ['Fill in the TPS report cover sheet.', 'Complete the Initech audit form.'],
    }
    writeFileSync(join(home, 'clusters.json'), JSON.stringify({ version: 1, clusters: [cluster], disabled: [] }))
    await expect.poll(nearest, { timeout: 60_000 }).toBe('office-forms')

    writeFileSync(join(home, 'clusters.json'), JSON.stringify({ version: 1, clusters: [{ ...cluster, tier: 'remote' }], disabled: [] }))
    await expect
      .poll(async () => (await problemsOf(host)).find((p) => p.file === 'clusters.json')?.message, { timeout: 60_000 })
      .toMatch(/clusters\.0\.tier: .*The clusters in use before the change stay in force/)
    expect(await nearest()).toBe('office-forms')
    expect(host.output()).toContain('The clusters in use before the change stay in force')
  })
})
