import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { startOpenAIDouble, type OpenAIDouble } from './doubles/openai-double'
import { startHeadlessHost, type RunningHost } from './headless-host'

/**
 * The Settings terminal against the real headless host and the real OS keychain (keytar;
 * in CI gnome-keyring in a D-Bus session). Canary keys go in through the dashboard, an
 * imported file, the CLI on stdin and the environment; none may come back out: not in the
 * DOM, the API's responses, the event stream, the host's log, or any file in the data folder.
 */
const noKeychain = process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS
const SKIP_REASON =
  'no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset), so no Secret Service for keytar. Run inside ' +
  "`dbus-run-session -- sh -c 'echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx playwright test e2e/settings.spec.ts'`"
if (noKeychain) console.warn(`[settings.spec] SKIPPED the keychain tests: ${SKIP_REASON}`)

const canary = (where: string) => `sk-canary-${where}-${randomBytes(16).toString('hex')}`
const C = { ui: canary('ui'), wrong: canary('wrong'), imported: canary('import'), cli: canary('cli'), env: canary('env'), malformed: canary('malformed') }
const ALL = Object.values(C)
const ID = `e2e-${randomBytes(3).toString('hex')}`

async function expectNoCanaryInDom(page: Page): Promise<void> {
  const html = await page.content()
  const values = await page.$$eval('input, textarea', (els) => els.map((e) => (e as unknown as { value: string }).value).join('\n'))
  for (const key of ALL) {
    expect(html).not.toContain(key)
    expect(values).not.toContain(key)
  }
}

function runCli(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    child.on('exit', (code) => resolve({ code, out }))
    child.stdin.end(stdin)
  })
}

test.describe('settings: endpoints and keys in the OS keychain', () => {
  test.skip(noKeychain, SKIP_REASON)
  test.describe.configure({ mode: 'serial' })

  let cloud: OpenAIDouble
  let host: RunningHost
  let events = ''
  const sse = new AbortController()

  test.beforeAll(async () => {
    cloud = await startOpenAIDouble({ apiKey: C.ui, models: ['gpt-4o-mini', 'gpt-4o'] })
    host = await startHeadlessHost({ ROUTELLM_KEY_OPENROUTER: C.env })
    const res = await fetch(`${host.origin}/api/events`, { headers: { Authorization: `Bearer ${host.token}` }, signal: sse.signal })
    void (async () => {
      const decoder = new TextDecoder()
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) events += decoder.decode(chunk)
      } catch {
        // aborted at the end
      }
    })()
  })

  test.afterAll(async () => {
    sse.abort()
    // Leave no test keys behind in the keychain.
    for (const id of [ID, 'openai', 'openrouter']) {
      await fetch(`${host.origin}/api/rpc/endpoints.remove`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, removeKey: true }),
      }).catch(() => {})
    }
    await host?.stop()
    await cloud?.close()
  })

  test('add an endpoint, set its key (write-only), test the connection, remove the key', async ({ page }) => {
    await page.goto(host.url)
    await expect(page.getByTestId('settings-keychain')).toHaveAttribute('data-available', 'true')
    await expect(page.getByTestId('settings-empty')).toBeVisible()

    await page.getByTestId('settings-add').click()
    await page.getByTestId('endpoint-form-id').fill(ID)
    await page.getByTestId('endpoint-form-name').fill('Cloud double')
    await page.getByTestId('endpoint-form-baseURL').fill(`https://user:${C.malformed}@example.com/v1`)
    await page.getByTestId('endpoint-form-models').fill('gpt-4o-mini')
    await page.getByTestId('endpoint-form-save').click()
    await expect(page.getByTestId('endpoint-form-error-baseURL')).toContainText('must not contain a user name or password')
    await page.getByTestId('endpoint-form').screenshot({ path: 'e2e/artifacts/settings-form.png' })
    await page.getByTestId('endpoint-form-baseURL').fill(cloud.url)
    await page.getByTestId('endpoint-form-save').click()

    const status = page.getByTestId(`endpoint-key-status-${ID}`)
    await expect(status).toHaveText('NOT SET')
    await page.getByTestId(`endpoint-test-${ID}`).click()
    await expect(page.getByTestId(`endpoint-test-result-${ID}`)).toHaveAttribute('data-kind', 'no-key')

    const keyInput = page.getByTestId(`endpoint-key-input-${ID}`)
    await keyInput.fill(C.wrong)
    await page.getByTestId(`endpoint-key-save-${ID}`).click()
    await expect(status).toHaveText('SET (KEYCHAIN)')
    await expect(keyInput).toHaveValue('')
    await page.getByTestId(`endpoint-test-${ID}`).click()
    const result = page.getByTestId(`endpoint-test-result-${ID}`)
    await expect(result).toHaveAttribute('data-kind', 'bad-key')
    await expect(result).toContainText('refused the key (HTTP 401)')
    await expect(result).not.toContainText('Incorrect API key')
    await expectNoCanaryInDom(page)

    await keyInput.fill(C.ui)
    await keyInput.press('Enter')
    await expect(page.getByTestId(`endpoint-key-message-${ID}`)).toContainText('Key stored in the OS keychain')
    await page.getByTestId(`endpoint-test-${ID}`).click()
    await expect(result).toHaveAttribute('data-kind', 'ok')
    await expect(result).toContainText('2 models listed')
    await expect(result).toContainText('gpt-4o-mini')
    expect(cloud.requestsTo('/v1/models').at(-1)?.headers.authorization).toBe(`Bearer ${C.ui}`)
    await expectNoCanaryInDom(page)
    await page.getByTestId('settings-panel').screenshot({ path: 'e2e/artifacts/settings.png' })
    await page.screenshot({ path: 'e2e/artifacts/settings-full.png', fullPage: true })

    await page.getByTestId(`endpoint-key-remove-${ID}`).click()
    await expect(status).toHaveText('NOT SET')
    await keyInput.fill(C.ui)
    await page.getByTestId(`endpoint-key-save-${ID}`).click()
    await expect(status).toHaveText('SET (KEYCHAIN)')
  })

  test('import routellm-keys.json: keys into the keychain, a warning about the file; export has no keys', async ({ page }) => {
    await page.goto(host.url)
    await expect(page.getByTestId(`endpoint-row-${ID}`)).toBeVisible()

    const bad = `{"version": 1, "endpoints": [{"id": "openai", "apiKey": ${C.malformed}}]}`
    await page.getByTestId('settings-import-input').setInputFiles({ name: 'routellm-keys.json', mimeType: 'application/json', buffer: Buffer.from(bad) })
    await expect(page.getByTestId('settings-transfer-error')).toContainText(
      /routellm-keys\.json: is not valid JSON \(line 1, column \d+\)\. Nothing was imported/,
    )
    const badField = JSON.stringify({ version: 1, endpoints: [{ id: 'openai', baseURL: 'not a url', apiKey: C.malformed }] })
    await page.getByTestId('settings-import-input').setInputFiles({ name: 'routellm-keys.json', mimeType: 'application/json', buffer: Buffer.from(badField) })
    await expect(page.getByTestId('settings-transfer-error')).toContainText('endpoints[0].baseURL')
    await expect(page.getByTestId('endpoint-row-openai')).toHaveCount(0)

    const file = {
      version: 1,
      endpoints: [
        { id: 'openai', models: ['gpt-4o-mini'], apiKey: C.imported },
        { id: 'openrouter', models: ['openai/gpt-4o-mini'] },
      ],
    }
    await page
      .getByTestId('settings-import-input')
      .setInputFiles({ name: 'routellm-keys.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) })
    await expect(page.getByTestId('settings-transfer')).toContainText('Imported 2 endpoints from routellm-keys.json; 1 key moved into the OS keychain')
    await expect(page.getByTestId('settings-transfer-warning')).toContainText('routellm-keys.json still holds 1 API key in plain text')
    await expect(page.getByTestId('endpoint-key-status-openai')).toHaveText('SET (KEYCHAIN)')
    await expect(page.getByTestId('endpoint-key-status-openrouter')).toHaveText('SET (ENV)')
    await page.getByTestId('settings-panel').screenshot({ path: 'e2e/artifacts/settings-import.png' })

    const download = page.waitForEvent('download')
    await page.getByTestId('settings-export').click()
    const exported = readFileSync(await (await download).path(), 'utf8')
    expect(JSON.parse(exported).endpoints.map((e: { id: string }) => e.id)).toEqual([ID, 'openai', 'openrouter'])
    expect(exported).not.toMatch(/"apiKey"/)
    for (const key of ALL) expect(exported).not.toContain(key)
    await expectNoCanaryInDom(page)
  })

  test('the CLI reads a key from stdin; the dashboard sees it set', async ({ page }) => {
    const env = { ROUTELLM_HOME: host.dataDir }
    const set = await runCli(['keys', 'set', ID], env, `${C.cli}\n`)
    expect(set.code).toBe(0)
    expect(set.out).toContain(`stored the key for ${ID} in the OS keychain`)
    const argv = await runCli(['keys', 'set', ID, C.cli], env, '')
    expect(argv.code).toBe(2)
    expect(argv.out).toContain('never from the command line')
    const list = await runCli(['keys', 'list'], env, '')
    expect(list.out).toMatch(new RegExp(`${ID}\\s+Cloud double\\s+custom\\s+cloud\\s+set \\(keychain\\)`))
    for (const out of [set.out, argv.out, list.out]) for (const key of ALL) expect(out).not.toContain(key)

    await page.goto(host.url)
    await page.getByTestId(`endpoint-test-${ID}`).click()
    await expect(page.getByTestId(`endpoint-test-result-${ID}`)).toHaveAttribute('data-kind', 'bad-key') // the CLI's key is not the double's
  })

  test('a broken settings file: the error names the field, the previous settings stay', async ({ page }) => {
    await page.goto(host.url)
    await expect(page.getByTestId(`endpoint-row-${ID}`)).toBeVisible()
    const path = join(host.dataDir, 'settings.json')
    const settings = JSON.parse(readFileSync(path, 'utf8'))
    settings.endpoints[0].tier = 'moon'
    writeFileSync(path, JSON.stringify(settings))
    await page.getByTestId('settings-refresh').click()
    const problem = page.getByTestId('settings-problem')
    await expect(problem).toContainText('settings.json: endpoints[0].tier')
    await expect(problem).toContainText('stay in force')
    await expect(page.getByTestId(`endpoint-row-${ID}`)).toBeVisible()
    await expect(page.getByTestId('endpoint-row-openai')).toBeVisible()
    await page.getByTestId('settings-panel').screenshot({ path: 'e2e/artifacts/settings-broken-file.png' })

    // Saving repairs it; the broken file is kept aside.
    await page.getByTestId(`endpoint-edit-${ID}`).click()
    await page.getByTestId('endpoint-form-name').fill('Cloud double (edited)')
    await page.getByTestId('endpoint-form-save').click()
    await expect(problem).toHaveCount(0)
    await expect(page.getByTestId(`endpoint-row-${ID}`)).toContainText('Cloud double (edited)')
    expect(readdirSync(host.dataDir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true)
  })

  test('remove an endpoint and its key', async ({ page }) => {
    await page.goto(host.url)
    await page.getByTestId(`endpoint-remove-${ID}`).click()
    await page.getByTestId(`endpoint-remove-confirm-${ID}`).click()
    await expect(page.getByTestId(`endpoint-row-${ID}`)).toHaveCount(0)
    const check = await fetch(`${host.origin}/api/rpc/keys.check`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ endpointId: ID }),
    })
    expect(await check.json()).toEqual({ endpointId: ID, state: 'not-set', source: null })
  })

  test('no canary anywhere: API answers and events, the host log, the data folder', async () => {
    const answers: string[] = []
    for (const [channel, input] of [
      ['endpoints.list', {}],
      ['keys.export', {}],
      ['keys.check', { endpointId: 'openai' }],
      ['app.info', {}],
    ] as const) {
      const res = await fetch(`${host.origin}/api/rpc/${channel}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      })
      answers.push(await res.text())
    }
    expect(events).toContain('endpoints.changed')
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else files.push(path)
      }
    }
    walk(host.dataDir)
    expect(files.length).toBeGreaterThan(0)
    const haystacks: Array<[string, string]> = [
      ['API answers', answers.join('\n')],
      ['event stream', events],
      ['host log', host.output()],
      ...files.map((f): [string, string] => [f, readFileSync(f, 'latin1')]),
    ]
    for (const [where, text] of haystacks) {
      for (const key of ALL) expect(text, `${where} holds a canary key`).not.toContain(key)
    }
  })
})

test.describe('settings without a keychain', () => {
  let host: RunningHost
  test.beforeAll(async () => {
    host = await startHeadlessHost({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/routellm-e2e-bus', DISPLAY: '' })
  })
  test.afterAll(async () => host?.stop())

  test.skip(process.platform !== 'linux', 'the unreachable Secret Service is simulated on Linux only')

  test('says the keychain is unavailable and how to fix it; keys cannot be set', async ({ page }) => {
    await page.goto(host.url)
    await expect(page.getByTestId('settings-keychain')).toHaveAttribute('data-available', 'false')
    const problem = page.getByTestId('settings-keychain-problem')
    await expect(problem).toContainText('The OS keychain is not available')
    await expect(problem).toContainText('never in a plain-text file')
    await expect(problem).toContainText('ROUTELLM_KEY_')
    await page.getByTestId('settings-preset-openai').click()
    await page.getByTestId('endpoint-form-models').fill('gpt-4o-mini')
    await page.getByTestId('endpoint-form-save').click()
    await expect(page.getByTestId('endpoint-key-status-openai')).toHaveText('UNKNOWN')
    await expect(page.getByTestId('endpoint-key-input-openai')).toBeDisabled()
    await page.getByTestId('settings-panel').screenshot({ path: 'e2e/artifacts/settings-no-keychain.png' })
  })
})
