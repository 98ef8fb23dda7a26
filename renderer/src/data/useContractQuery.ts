import { useEffect, useMemo, useSyncExternalStore } from 'react'
import type { Channel, Input, Output } from '../../../shared/contract'
import type { DashboardClient } from '../client'
import { ContractQuery, type QueryOptions, type QuerySnapshot } from './contract-query'

export interface QueryResult<C extends Channel> extends QuerySnapshot<Output<C>> {
  reload: () => Promise<void>
  /** Show an action's answer as the channel's data (no second call). */
  replace: (data: Output<C>) => void
}

/**
 * A panel's data from one contract channel, loaded once when `enabled`, refreshed by the
 * `refreshOn` events and after the event stream reconnects. The input is compared by value,
 * so an inline object literal does not reload on every render.
 */
export function useContractQuery<C extends Channel>(
  client: DashboardClient,
  channel: C,
  input: Input<C>,
  options: QueryOptions & { enabled?: boolean } = {},
): QueryResult<C> {
  const inputKey = JSON.stringify(input)
  const eventsKey = (options.refreshOn ?? []).join(',')
  const query = useMemo(
    () => new ContractQuery(client, channel, JSON.parse(inputKey) as Input<C>, { refreshOn: eventsKey ? (eventsKey.split(',') as QueryOptions['refreshOn']) : [] }),
    [client, channel, inputKey, eventsKey],
  )
  const enabled = options.enabled ?? true
  useEffect(() => (enabled ? query.start() : undefined), [query, enabled])
  const snapshot = useSyncExternalStore(query.subscribe, query.get, query.get)
  return { ...snapshot, reload: query.reload, replace: query.replace }
}
