import type { EndpointsOverview } from '../../../shared/keys'

/** Where the settings live, whether the keychain works, and the endpoints that come from the environment (read-only). */
export function SettingsSummary({ overview }: { overview: EndpointsOverview }) {
  return (
    <>
      <div className="flex flex-wrap items-center gap-x-6 gap-y-1 text-xs uppercase">
        <p className="flex gap-2" data-testid="settings-keychain" data-available={String(overview.keychain.available)}>
          <span className="font-bold tracking-widest text-gray-600">Keychain</span>
          <span className="font-bold">{overview.keychain.available ? 'available' : 'unavailable'}</span>
        </p>
        <p className="flex min-w-0 gap-2">
          <span className="font-bold tracking-widest text-gray-600">Settings</span>
          <span className="truncate font-bold normal-case" title={overview.settings.file}>
            {overview.settings.file}
          </span>
        </p>
        {overview.envKeys.length > 0 ? (
          <p className="flex gap-2">
            <span className="font-bold tracking-widest text-gray-600">Env keys</span>
            <span className="font-bold normal-case">{overview.envKeys.join(', ')}</span>
          </p>
        ) : null}
      </div>
      {!overview.keychain.available && overview.keychain.message ? (
        <p role="alert" className="border-4 border-black p-2 text-sm" data-testid="settings-keychain-problem">
          <span className="mr-2 bg-black px-1 font-black tracking-widest text-white">▲ NO KEYCHAIN</span>
          {overview.keychain.message}
        </p>
      ) : null}
      {overview.settings.problem ? (
        <p role="alert" className="border-4 border-black p-2 text-sm" data-testid="settings-problem">
          <span className="mr-2 bg-black px-1 font-black tracking-widest text-white">▲ SETTINGS FILE</span>
          {overview.settings.problem}
        </p>
      ) : null}
      {overview.fromEnvironment.length > 0 ? (
        <ul className="flex flex-col gap-1 border-2 border-black p-3 text-sm" data-testid="endpoint-env-list">
          <li className="text-xs font-bold tracking-widest text-gray-600 uppercase">From the environment (read-only)</li>
          {overview.fromEnvironment.map((e) => (
            <li key={e.id} className="normal-case" data-testid={`endpoint-env-${e.id}`}>
              <span className="font-bold">{e.id}</span> · {e.tier} · {e.baseURL} · {e.models.join(', ') || 'no model'}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  )
}
