import { useEffect, useSyncExternalStore } from 'react'
import type { Channel, Input, Output } from '../../../shared/contract'
import type { DashboardClient } from '../client'
import { ContractQuery, type QueryOptions, type QuerySnapshot } from './contract-query'

export interface QueryResult<C extends Channel> extends QuerySnapshot<Output<C>> {
  reload: (input?: Input<C>) => Promise<void>
  /** Show an action's answer as the channel's data (no second call). */
  replace: (data: Output<C>) => void
}

/**
 * One query per client, channel, input and events: panels that read the same channel share
 * it, so the channel is still called once at load however many panels show it.
 */
const shared = new WeakMap<DashboardClient, Map<string, ContractQuery<Channel>>>()

function sharedQuery<C extends Channel>(client: DashboardClient, channel: C, input: Input<C>, options: QueryOptions): ContractQuery<C> {
  const key = JSON.stringify([channel, input, options.refreshOn ?? [], options.replaceOn ?? null])
  let byKey = shared.get(client)
  if (!byKey) shared.set(client, (byKey = new Map()))
  let query = byKey.get(key) as ContractQuery<C> | undefined
  if (!query) {
    query = new ContractQuery(client, channel, input, options)
    byKey.set(key, query as unknown as ContractQuery<Channel>)
  }
  return query
}

/**
 * A panel's data from one contract channel, loaded when the first panel using it is enabled,
 * refreshed by the `refreshOn` events (or replaced by the `replaceOn` event's payload) and
 * after the event stream reconnects, followed until the last panel using it goes. The input
 * is compared by value, so an inline literal is fine.
 */
export function useContractQuery<C extends Channel>(
  client: DashboardClient,
  channel: C,
  input: Input<C>,
  options: QueryOptions & { enabled?: boolean } = {},
): QueryResult<C> {
  const query = sharedQuery(client, channel, input, { refreshOn: options.refreshOn, replaceOn: options.replaceOn })
  const enabled = options.enabled ?? true
  useEffect(() => (enabled ? query.retain() : undefined), [query, enabled])
  const snapshot = useSyncExternalStore(query.subscribe, query.get, query.get)
  return { ...snapshot, reload: query.reload, replace: query.replace }
}
