import { useCallback, useEffect, useState } from 'react'
import type { TelemetryRow } from '../../../shared/telemetry'
import type { DashboardClient } from '../client'
import { endsGeneration } from '../state/telemetry'
import { mergeEnds, requestsPerMinute, rowEnds } from '../state/telemetry-bar'

/** How often the rate is recounted while the last minute holds requests (so old ones age out). */
const RECOUNT_MS = 5000

/**
 * Requests that ended in the last minute: seeded from the telemetry rows the panel loaded,
 * then counted live from chat.status events on the stream (each request once).
 */
export function useRequestRate(client: DashboardClient): { perMinute: number; seed: (rows: TelemetryRow[]) => void } {
  const [ends, setEnds] = useState<Map<string, number>>(() => new Map())
  const [now, setNow] = useState(() => Date.now())
  const seed = useCallback((rows: TelemetryRow[]) => setEnds((prev) => mergeEnds(prev, rowEnds(rows), Date.now())), [])
  useEffect(
    () =>
      client.on('chat.status', (s) => {
        if (endsGeneration(s)) setEnds((prev) => mergeEnds(prev, [[s.requestId, Date.now()]], Date.now()))
      }),
    [client],
  )
  const counting = ends.size > 0
  useEffect(() => {
    if (!counting) return
    const timer = setInterval(() => {
      const at = Date.now()
      setNow(at)
      setEnds((prev) => mergeEnds(prev, [], at))
    }, RECOUNT_MS)
    return () => clearInterval(timer)
  }, [counting])
  return { perMinute: requestsPerMinute(ends, now), seed }
}
