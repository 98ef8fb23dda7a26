import type { Channel, EventName, Input, Output } from '../../../shared/contract'
import { describeError, type DashboardClient, type ErrorReport } from '../client'
import { onReconnect } from '../client/reconnect'

/** What a panel reads from one channel: the last answer, why the last call failed, whether one is in flight. */
export interface QuerySnapshot<T> {
  data: T | null
  error: ErrorReport | null
  loading: boolean
  /** When the data last arrived (Date.now()); null before. */
  updatedAt: number | null
}

export interface QueryOptions {
  /** Events after which the answer may be stale: each one loads the channel again. */
  refreshOn?: readonly EventName[]
  /** An event whose payload is the channel's answer itself (the engine pushes it): it becomes the data, no call needed. */
  replaceOn?: EventName
}

/**
 * One channel's data, loaded once when started, again after any `refreshOn` event and after
 * the event stream reconnects (events may have been missed), and replaced directly by an
 * action's answer (a save that returns the new status needs no second call). A slower, older
 * answer never overwrites a newer one. Framework-free, so it is tested without a DOM; the
 * React hook subscribes to it.
 */
export class ContractQuery<C extends Channel> {
  private snapshot: QuerySnapshot<Output<C>> = { data: null, error: null, loading: false, updatedAt: null }
  private readonly listeners = new Set<() => void>()
  private issued = 0
  private stops: Array<() => void> = []
  private users = 0
  private stopFollowing: (() => void) | null = null

  constructor(
    private readonly client: DashboardClient,
    private readonly channel: C,
    private readonly input: Input<C>,
    private readonly options: QueryOptions = {},
  ) {}

  get = (): QuerySnapshot<Output<C>> => this.snapshot

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Load now and follow the events; returns the stop function. */
  start(): () => void {
    // Each reload here never rejects: a failure becomes the snapshot's error, which the panel shows.
    void this.reload()
    this.stops = [
      ...(this.options.refreshOn ?? []).map((event) => this.client.on(event, () => void this.reload())),
      ...(this.options.replaceOn ? [this.client.on(this.options.replaceOn, (payload) => this.replace(payload as Output<C>))] : []),
      onReconnect(this.client, () => void this.reload()),
    ]
    return () => {
      this.stops.forEach((stop) => stop())
      this.stops = []
      this.issued += 1 // an answer still in flight is dropped
    }
  }

  /**
   * Follow the channel while anyone shows it: the first user starts it (one call), the last
   * one to leave stops it. Returns the release function.
   */
  retain(): () => void {
    if (this.users++ === 0) this.stopFollowing = this.start()
    let released = false
    return () => {
      if (released) return
      released = true
      if (--this.users > 0) return
      this.stopFollowing?.()
      this.stopFollowing = null
    }
  }

  /**
   * Call the channel again; `input` replaces the query's own for this call (e.g. a refresh that
   * asks the engine to probe anew). Never rejects: a failure becomes the snapshot's error.
   */
  reload = async (input: Input<C> = this.input): Promise<void> => {
    const call = ++this.issued
    this.set({ ...this.snapshot, loading: true })
    try {
      const data = await this.client.call(this.channel, input)
      if (call === this.issued) this.set({ data, error: null, loading: false, updatedAt: Date.now() })
    } catch (err) {
      if (call === this.issued) this.set({ ...this.snapshot, error: describeError(err), loading: false })
    }
  }

  /** An action answered with the channel's new data: show it, and drop any older call in flight. */
  replace = (data: Output<C>): void => {
    this.issued += 1
    this.set({ data, error: null, loading: false, updatedAt: Date.now() })
  }

  private set(next: QuerySnapshot<Output<C>>): void {
    this.snapshot = next
    for (const listener of [...this.listeners]) listener()
  }
}
