import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dispatch } from './lib/contract-dispatch'
import { createHandlers } from './handlers'
import { MemoryKeyStore } from '../../test/support/memory-key-store'
import { createServices, type Services } from './services'

describe('endpoints.list', () => {
  let services: Services | undefined
  afterEach(async () => services?.close())

  it('shows cloud endpoints defined by the environment, read-only, without their key', async () => {
    services = await createServices({
      host: 'headless',
      dataDir: mkdtempSync(join(tmpdir(), 'routellm-handlers-')),
      keyStore: new MemoryKeyStore(),
      env: {
        OLLAMA_HOST: 'http://127.0.0.1:9',
        ROUTELLM_CLOUD_BASE_URL: 'http://127.0.0.1:9/v1',
        ROUTELLM_CLOUD_API_KEY: 'sk-env-canary-123',
        ROUTELLM_CLOUD_MODEL: 'gpt-big',
      },
    })
    const overview = (await dispatch(createHandlers(services), 'endpoints.list', {})) as { endpoints: unknown[]; fromEnvironment: unknown[] }
    expect(overview.endpoints).toEqual([])
    expect(overview.fromEnvironment).toEqual([{ id: 'cloud', name: expect.any(String), tier: 'cloud', baseURL: 'http://127.0.0.1:9/v1', models: ['gpt-big'] }])
    expect(JSON.stringify(overview)).not.toContain('sk-env-canary')
  })
})
