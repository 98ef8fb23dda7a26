import { lookup } from 'node:dns/promises'
import { networkInterfaces } from 'node:os'
import type { NetworkStatus } from '../../../shared/health'

/** Answers "is the network back?" without sending a request to any endpoint. */
export type NetworkProbe = (hostnames: readonly string[]) => Promise<boolean>

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i

/**
 * The default probe: some non-loopback interface is up and the cloud hostnames resolve
 * (a DNS lookup, never a connection to the endpoint).
 */
export const defaultNetworkProbe: NetworkProbe = async (hostnames) => {
  const remote = hostnames.filter((h) => !LOOPBACK.test(h))
  if (remote.length === 0) return true
  const up = Object.values(networkInterfaces()).some((list) => list?.some((i) => !i.internal))
  if (!up) return false
  const results = await Promise.all(
    remote.map((host) =>
      Promise.race([
        lookup(host).then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
      ]),
    ),
  )
  return results.some(Boolean)
}

export interface NetworkMonitorOptions {
  env?: NodeJS.ProcessEnv
  now?: () => number
  probe?: NetworkProbe
  /** Cloud hostnames to check when probing (read when a probe runs). */
  hostnames?: () => readonly string[]
  /** While offline was detected, probe again at most this often. */
  recheckMs?: number
  /** The user's saved offline switch. */
  initialSetting?: boolean
}

/**
 * Whether the cloud may be reached at all. Offline when the user says so (the setting, or
 * ROUTELLM_OFFLINE=1) or when a cloud request failed because the network itself is down
 * (DNS temporarily failing, network unreachable). While offline, nothing tries the cloud:
 * the router routes local and the arms are skipped. A detected outage is rechecked by a
 * probe (interfaces + DNS, no request to any endpoint) at most every `recheckMs`.
 */
export class NetworkMonitor {
  private setting: boolean
  private readonly envOffline: boolean
  private detected: { reason: string; since: number } | null = null
  private forcedSince: number | null = null
  private lastProbe = 0
  private probing: Promise<boolean> | null = null
  private readonly listeners = new Set<() => void>()
  private readonly now: () => number
  private readonly probe: NetworkProbe
  private readonly recheckMs: number
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly options: NetworkMonitorOptions = {}) {
    const env = options.env ?? process.env
    this.envOffline = /^(1|true|yes|on)$/i.test(env.ROUTELLM_OFFLINE ?? '')
    this.setting = options.initialSetting ?? false
    this.now = options.now ?? Date.now
    this.probe = options.probe ?? defaultNetworkProbe
    this.recheckMs = options.recheckMs ?? 15_000
    if (this.envOffline || this.setting) this.forcedSince = this.now()
  }

  /** True when the cloud must not be contacted. May start a background recheck of a detected outage. */
  get offline(): boolean {
    if (this.envOffline || this.setting) return true
    if (this.detected && this.now() - this.lastProbe >= this.recheckMs) void this.recheck()
    return this.detected !== null
  }

  status(): NetworkStatus {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())
    if (this.envOffline) return { offline: true, cause: 'env', reason: 'ROUTELLM_OFFLINE is set: cloud endpoints are off', since: iso(this.forcedSince) }
    if (this.setting) return { offline: true, cause: 'setting', reason: 'Offline mode is on: cloud endpoints are off', since: iso(this.forcedSince) }
    if (this.detected) return { offline: true, cause: 'detected', reason: this.detected.reason, since: iso(this.detected.since) }
    return { offline: false, cause: null, reason: null, since: null }
  }

  /** The user's switch. */
  setOffline(offline: boolean): void {
    if (this.setting === offline) return
    this.setting = offline
    this.forcedSince = offline ? this.now() : this.envOffline ? this.forcedSince : null
    this.emit()
  }

  get offlineSetting(): boolean {
    return this.setting
  }

  /** A cloud request failed because the network is down: disable the cloud at once. */
  reportNetworkDown(reason: string): void {
    if (this.detected) return
    this.detected = { reason, since: this.now() }
    this.lastProbe = this.now()
    this.emit()
  }

  /** A cloud request succeeded: the network works. */
  reportReachable(): void {
    if (!this.detected) return
    this.detected = null
    this.emit()
  }

  /** Probe now (coalesced). Resolves true when online. */
  recheck(): Promise<boolean> {
    this.probing ??= (async () => {
      this.lastProbe = this.now()
      const ok = await this.probe(this.options.hostnames?.() ?? []).catch(() => false)
      this.lastProbe = this.now()
      if (ok) this.reportReachable()
      return ok
    })().finally(() => {
      this.probing = null
    })
    return this.probing
  }

  /** Recheck a detected outage in the background every `recheckMs` (timer does not keep the process alive). */
  start(): void {
    this.timer ??= setInterval(() => {
      if (this.detected) void this.recheck()
    }, this.recheckMs).unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener()
      } catch {
        // isolated
      }
    }
  }
}
