import type { UiError } from '../state/dashboard'

interface ErrorBannerProps {
  errors: UiError[]
  onDismiss: (id: number) => void
  onClear: () => void
}

/** Every error, plainly: what failed, the code, the schema issues, and what to do. */
export function ErrorBanner({ errors, onDismiss, onClear }: ErrorBannerProps) {
  if (errors.length === 0) return null
  return (
    <div role="alert" data-testid="error-banner" className="on-dark border-4 border-black bg-black p-3 text-white">
      <div className="mb-2 flex items-center justify-between gap-2">
        <p className="text-sm font-black tracking-[0.2em] uppercase">▲ {errors.length === 1 ? 'Error' : `${errors.length} errors`}</p>
        {errors.length > 1 ? (
          <button type="button" className="btn-bar" onClick={onClear}>
            Dismiss all
          </button>
        ) : null}
      </div>
      <ul className="flex flex-col gap-2">
        {errors.map((e) => (
          <li key={e.id} data-code={e.code} data-source={e.source} className="flex items-start justify-between gap-3 border-2 border-white p-2">
            <div className="min-w-0 flex-1">
              <p className="break-words">
                <span className="mr-2 bg-white px-1 text-xs font-bold tracking-widest text-black uppercase">
                  {e.source} · {e.code}
                </span>
                <span data-testid="error-message">{e.message}</span>
                {e.count > 1 ? <span className="ml-2 text-gray-300">×{e.count}</span> : null}
              </p>
              {e.details.length > 0 ? (
                <ul className="mt-1 list-inside list-[square] text-sm text-gray-200">
                  {e.details.map((d, i) => (
                    <li key={i} className="break-words">
                      {d}
                    </li>
                  ))}
                </ul>
              ) : null}
              {e.hint ? <p className="mt-1 text-sm text-gray-200">{e.hint}</p> : null}
            </div>
            <button type="button" className="btn-bar shrink-0" onClick={() => onDismiss(e.id)} aria-label={`Dismiss error: ${e.message}`}>
              Dismiss
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}
