// The registry works out endpoints by id and the arms of each tier once per configuration
// (routing reads them several times per request); these tests change the configuration
// every way it can change and check that the arms follow.
import { afterEach, describe, expect, it } from 'vitest'
import { startOllamaDouble, type OllamaDouble } from '../../../e2e/doubles/ollama-double'
import { EndpointConfig } from '../../../shared/endpoints'
import { OllamaBridge } from '../ollama/bridge'
import { combineSources, StaticEndpointSource, type EndpointSource } from './endpoint-source'
import { ProviderRegistry } from './registry'

const cloud = (id: string, models: string[], extra: Partial<EndpointConfig> = {}) => ({
  id,
  name: id,
  provider: 'custom' as const,
  baseURL: `http://127.0.0.1:9/${id}`,
  tier: 'cloud' as const,
  models,
  ...extra,
})

let ollama: OllamaDouble | undefined
const registries: ProviderRegistry[] = []

function registryOf(source: EndpointSource, bridge = new OllamaBridge({ hosts: ['http://127.0.0.1:1'], probeTimeoutMs: 200 })): ProviderRegistry {
  const registry = new ProviderRegistry({ source, bridge })
  registries.push(registry)
  return registry
}

afterEach(async () => {
  for (const r of registries.splice(0)) r.close()
  await ollama?.close()
  ollama = undefined
})

describe('ProviderRegistry configuration', () => {
  it('hands out the same arms while nothing changed, and new ones after the endpoints changed', () => {
    const source = new StaticEndpointSource([cloud('a', ['m1', 'm2']), cloud('b', ['m3'])])
    const registry = registryOf(source)
    const first = registry.arms('cloud')
    expect(first.map((a) => `${a.endpoint}/${a.model}`)).toEqual(['a/m1', 'a/m2', 'b/m3'])
    expect(registry.arms('cloud')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)

    source.update([cloud('a', ['m9']), cloud('b', ['m3'], { enabled: false }), cloud('c', ['m4'])])
    expect(registry.arms('cloud').map((a) => `${a.endpoint}/${a.model}`)).toEqual(['a/m9', 'c/m4'])
    expect(registry.arms().map((a) => a.endpoint)).toEqual(['a', 'c'])
    expect(registry.endpoint('c')?.models).toEqual(['m4'])
    expect(registry.endpoint('b')?.enabled).toBe(false)
  })

  it('follows a source whose list changed without telling anyone (a settings file noticed on read)', () => {
    let endpoints: readonly EndpointConfig[] = [EndpointConfig.parse(cloud('a', ['m1']))]
    const registry = registryOf({ list: () => endpoints, apiKey: async () => null, onChange: () => () => {} })
    expect(registry.arms('cloud').map((a) => a.model)).toEqual(['m1'])
    endpoints = [EndpointConfig.parse(cloud('a', ['m2']))]
    expect(registry.arms('cloud').map((a) => a.model)).toEqual(['m2'])
    expect(registry.endpoint('a')?.models).toEqual(['m2'])
  })

  it('follows the settings source through combineSources, whose list stays one array until a source changes', () => {
    const settings = new StaticEndpointSource([cloud('a', ['m1'])])
    const env = new StaticEndpointSource([cloud('a', ['shadowed']), cloud('env', ['e1'])])
    const combined = combineSources(settings, env)
    const list = combined.list()
    expect(combined.list()).toBe(list)
    expect(list.map((e) => `${e.id}:${e.models.join()}`)).toEqual(['a:m1', 'env:e1'])

    const registry = registryOf(combined)
    settings.update([cloud('a', ['m2']), cloud('s', ['s1'])])
    expect(combined.list()).not.toBe(list)
    expect(registry.arms('cloud').map((a) => `${a.endpoint}/${a.model}`)).toEqual(['a/m2', 's/s1', 'env/e1'])
  })

  it('offers the model an Ollama endpoint without configured models has installed, again after a probe finds others', async () => {
    ollama = await startOllamaDouble({ models: ['llama3.2:3b'] })
    const source = new StaticEndpointSource([{ id: 'ollama', name: 'Ollama', provider: 'ollama', baseURL: ollama.url, tier: 'local', models: [] }])
    const registry = registryOf(source, new OllamaBridge({ hosts: [ollama.url], probeTimeoutMs: 1000 }))
    expect(registry.arms('local')).toEqual([])
    await registry.refreshLocal()
    expect(registry.arms('local')).toEqual([{ endpoint: 'ollama', model: 'llama3.2:3b', tier: 'local' }])

    ollama.setModels(['qwen2.5:7b'])
    await registry.refreshLocal()
    expect(registry.arms('local')).toEqual([{ endpoint: 'ollama', model: 'qwen2.5:7b', tier: 'local' }])
  })
})
