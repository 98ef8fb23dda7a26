import type { ReactNode } from 'react'

/** What an action did ("■ Saved …"), announced politely. */
export function DoneNote({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <p role="status" className="text-sm font-bold" data-testid={testId}>
      ■ {children}
    </p>
  )
}

/** Why an action failed ("▲ …"), announced at once. */
export function FailedNote({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <p role="alert" className="border-4 border-black p-2 text-sm font-bold break-words" data-testid={testId}>
      ▲ {children}
    </p>
  )
}
