import type { DashboardClient } from './types'

/**
 * Call `listener` when the event channel opens again after it was lost: events may have been
 * missed meanwhile, so panels reload. The first opening is not a reconnect (the panels have
 * just loaded), which keeps every RPC to one call at load.
 */
export function onReconnect(client: Pick<DashboardClient, 'connection' | 'onConnection'>, listener: () => void): () => void {
  let opened = client.connection().status === 'open'
  let lost = false
  return client.onConnection((c) => {
    if (c.status !== 'open') {
      lost = lost || opened
      return
    }
    const again = lost
    opened = true
    lost = false
    if (again) listener()
  })
}
