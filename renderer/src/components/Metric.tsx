import type { ReactNode } from 'react'

interface MetricProps {
  term: string
  children: ReactNode
  /** A smaller line under the figure. */
  sub?: ReactNode
  /** Headline figures (the telemetry summary) are drawn large. */
  large?: boolean
  testId?: string
}

/** One labelled figure inside a <dl>: the dashboard's panels all show their numbers this way. */
export function Metric({ term, children, sub, large = false, testId }: MetricProps) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5 border-l-4 border-black pl-2">
      <dt className="label">{term}</dt>
      <dd className={`truncate tabular-nums ${large ? 'text-2xl font-black' : 'font-bold'}`} data-testid={testId}>
        {children}
      </dd>
      {sub ? <dd className="truncate text-xs text-gray-600">{sub}</dd> : null}
    </div>
  )
}
