/** Ollama's own default address; `localhost` is tried too, for setups where it resolves to ::1 only. */
export const DEFAULT_OLLAMA_HOSTS = ['http://127.0.0.1:11434', 'http://localhost:11434']

/**
 * Normalise an address the way Ollama's CLI reads OLLAMA_HOST: scheme optional (http),
 * port optional (11434), and a bind-all address (0.0.0.0, ::) means "this machine".
 */
export function normalizeOllamaHost(raw: string): string {
  let host = raw.trim()
  if (host.startsWith(':')) host = `127.0.0.1${host}`
  const hasScheme = host.includes('://')
  const url = new URL(hasScheme ? host : `http://${host}`)
  if (!url.port && !hasScheme) url.port = '11434'
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1'
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/** Addresses to probe, in order of preference, without duplicates. */
export function candidateHosts(env: NodeJS.ProcessEnv, configured: readonly string[] = []): string[] {
  const raw = [...(env.OLLAMA_HOST ? [env.OLLAMA_HOST] : []), ...configured, ...DEFAULT_OLLAMA_HOSTS]
  const seen = new Set<string>()
  const hosts: string[] = []
  for (const entry of raw) {
    let host: string
    try {
      host = normalizeOllamaHost(entry)
    } catch {
      continue // an unparsable configured address is reported by the settings validation, not here
    }
    if (!seen.has(host)) {
      seen.add(host)
      hosts.push(host)
    }
  }
  return hosts
}
