import { useEffect, type Dispatch } from 'react'
import type { QuerySnapshot } from '../data/contract-query'
import type { DashboardAction, ErrorSource } from '../state/dashboard'

/** A query's failure goes to the error banner under `source`; its next success clears it there. */
export function useBannerErrors(query: QuerySnapshot<unknown>, source: ErrorSource, dispatch: Dispatch<DashboardAction>): void {
  const { error, updatedAt } = query
  useEffect(() => {
    if (error) dispatch({ type: 'error/raised', source, error })
  }, [error, source, dispatch])
  useEffect(() => {
    if (updatedAt !== null) dispatch({ type: 'errors/resolved', source })
  }, [updatedAt, source, dispatch])
}
