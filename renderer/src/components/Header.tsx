import type { Output } from '../../../shared/contract'
import type { ConnectionState, Transport } from '../client'
import type { SystemCondition } from '../state/health'

type AppInfo = Output<'app.info'>

interface HeaderProps {
  info: AppInfo | null
  transport: Transport
  connection: ConnectionState
  system: SystemCondition
}

function eventsLabel(c: ConnectionState): string {
  switch (c.status) {
    case 'open':
      return 'LIVE'
    case 'connecting':
      return c.attempt > 0 ? `RECONNECTING (${c.attempt})` : 'CONNECTING'
    case 'retrying':
      return `DOWN, RETRY ${c.attempt}${c.retryInMs !== null ? ` IN ${Math.ceil(c.retryInMs / 1000)} S` : ''}`
    case 'unauthorized':
      return 'REFUSED'
    case 'idle':
      return 'IDLE'
  }
}

/** The app name and what the dashboard is connected to. */
export function Header({ info, transport, connection, system }: HeaderProps) {
  const items: Array<[string, string, string?]> = [
    ['VERSION', info ? info.version : '…'],
    ['HOST', info ? info.host.toUpperCase() : '…'],
    ['TRANSPORT', transport === 'ipc' ? 'IPC' : 'HTTP+SSE'],
    ['EVENTS', eventsLabel(connection), connection.error ?? undefined],
    ['DATA', info ? info.dataDir : '…'],
  ]
  return (
    <header className="flex flex-wrap items-end justify-between gap-x-8 gap-y-3 border-b-4 border-black px-4 py-3">
      <div className="flex items-baseline gap-4">
        <h1 className="text-3xl leading-none font-black tracking-[0.25em]">ROUTELLM</h1>
        <p className="label hidden sm:block">LOCAL-FIRST LLM ROUTER</p>
        {system.condition !== 'unknown' ? (
          <strong
            data-testid="system-condition"
            data-condition={system.condition}
            title={system.troubled.join(', ') || 'all endpoints healthy'}
            className={`px-2 py-0.5 text-sm font-black tracking-widest uppercase ${system.condition === 'online' ? 'border-2 border-black' : 'bg-black text-white'}`}
          >
            {system.condition === 'online' ? '■ ' : '▲ '}
            {system.condition.toUpperCase()}
          </strong>
        ) : null}
      </div>
      <dl data-testid="app-info" className="flex min-w-0 flex-wrap gap-x-6 gap-y-1 text-xs uppercase">
        {items.map(([term, value, title]) => (
          <div key={term} className="flex min-w-0 gap-2">
            <dt className="font-bold tracking-widest text-gray-600">{term}</dt>
            <dd
              className="max-w-[40ch] truncate font-bold normal-case"
              title={title ?? value}
              data-testid={term === 'EVENTS' ? 'events-status' : undefined}
              data-status={term === 'EVENTS' ? connection.status : undefined}
            >
              {term === 'DATA' ? value : value.toUpperCase()}
            </dd>
          </div>
        ))}
      </dl>
    </header>
  )
}
