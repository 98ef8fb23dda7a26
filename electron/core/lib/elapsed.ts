import { round } from '../../../shared/numbers'

/** Milliseconds since `t0` (a performance.now() reading), to the microsecond: how long a decision step took. */
export const msSince = (t0: number): number => round(performance.now() - t0, 3)
