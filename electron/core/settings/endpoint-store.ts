import type { EndpointSource } from '../providers/endpoint-source'
import type { EndpointsService } from './endpoints-service'

/**
 * The providers' EndpointSource over the settings file and the OS keychain (or
 * ROUTELLM_KEY_<ID> on a headless host). `list()` returns every configured endpoint,
 * disabled ones with `enabled: false`; the file is re-read only when it changed on disk.
 */
export type SettingsEndpointSource = EndpointSource

export function createSettingsEndpointSource(service: EndpointsService): SettingsEndpointSource {
  return {
    list: () => service.endpoints(),
    apiKey: (endpointId) => service.apiKey(endpointId),
    onChange: (listener) => service.onChange(() => listener()),
  }
}
