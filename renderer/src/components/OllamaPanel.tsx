import { useId, useState } from 'react'
import type { EndpointStatus } from '../../../shared/health'
import type { OllamaStatus } from '../../../shared/ollama'
import { formatBytes, formatClock } from '../format'
import { endpointDown } from '../state/health'
import { Panel } from './Panel'
import { TableHead } from './TableHead'

interface OllamaPanelProps {
  status: OllamaStatus | null
  loading: boolean
  checkedAt: number | null
  /** The Ollama endpoint's health from the engine's live events: it can fail after the last probe. */
  health: EndpointStatus | null
  onRefresh: () => void
  className?: string
}

function Tried({ tried }: { tried: OllamaStatus['tried'] }) {
  if (tried.length === 0) return <p className="text-sm text-gray-600">No address was probed.</p>
  return (
    <ol className="flex flex-col gap-1 text-sm" data-testid="ollama-tried">
      {tried.map((t, i) => (
        <li key={`${t.host}-${i}`} className="flex flex-col border-l-4 border-black pl-2">
          <span className="font-bold break-all">
            {t.ok ? '■' : '□'} {t.host}
          </span>
          <span className={`break-words ${t.ok ? '' : 'text-gray-600'}`}>{t.ok ? 'ok' : (t.error ?? 'failed')}</span>
        </li>
      ))}
    </ol>
  )
}

/** Is a local Ollama server there, where, which version, which models. */
export function OllamaPanel({ status, loading, checkedAt, health, onRefresh, className }: OllamaPanelProps) {
  const detected = status === null ? 'unknown' : String(status.detected)
  const failing = health !== null && endpointDown(health)
  // On phones the panel folds to its one-line verdict so the answer is not pushed down; desktop always shows it all.
  const [expanded, setExpanded] = useState(false)
  const detailsId = useId()
  const verdict =
    status === null
      ? 'unknown'
      : failing
        ? 'not responding'
        : status.detected
          ? `detected · ${status.models.length} model${status.models.length === 1 ? '' : 's'}`
          : 'not detected'
  return (
    <Panel
      title="Ollama"
      className={className}
      actions={
        <>
          <button
            type="button"
            className="btn-bar lg:hidden"
            data-testid="ollama-expand"
            aria-expanded={expanded}
            aria-controls={detailsId}
            onClick={() => setExpanded((v) => !v)}
          >
            {expanded ? 'Hide' : 'Show'}
          </button>
          <button type="button" className="btn-bar" data-testid="ollama-refresh" onClick={onRefresh} disabled={loading} aria-label="Refresh Ollama status">
            {loading ? 'Probing…' : 'Refresh'}
          </button>
        </>
      }
    >
      <p className={`text-sm font-black tracking-widest uppercase lg:hidden ${expanded ? 'hidden' : ''}`} data-testid="ollama-summary">
        {verdict}
      </p>
      <div
        id={detailsId}
        data-testid="ollama-status"
        data-detected={detected}
        data-health={health?.state ?? 'unknown'}
        aria-busy={loading}
        className={`flex-col gap-3 ${expanded ? 'flex' : 'hidden lg:flex'}`}
      >
        {status === null ? (
          <p className="text-sm text-gray-600 uppercase">{loading ? 'Probing for Ollama…' : 'Status unknown.'}</p>
        ) : status.detected ? (
          <>
            {failing ? (
              <div role="alert" data-testid="ollama-failing" className="flex flex-col gap-1 border-4 border-black p-2">
                <p className="self-start bg-black px-2 py-1 text-lg font-black tracking-widest text-white">▲ NOT RESPONDING</p>
                <p className="text-sm font-bold break-words">{health.lastError?.message ?? health.reason ?? health.state}</p>
                <p className="label">Detected at the last probe; failing since. Local prompts go to the cloud meanwhile.</p>
              </div>
            ) : (
              <p className="self-start bg-black px-2 py-1 text-lg font-black tracking-widest text-white">DETECTED</p>
            )}
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="label">Host</dt>
              <dd className="font-bold break-all" data-testid="ollama-host">
                {status.host}
              </dd>
              <dt className="label">Version</dt>
              <dd className="font-bold" data-testid="ollama-version">
                {status.version}
              </dd>
              <dt className="label">Models</dt>
              <dd className="font-bold">{status.models.length}</dd>
            </dl>
            {status.models.length === 0 ? (
              <p className="border-2 border-dashed border-black p-2 text-sm">
                No models pulled yet. Pull one, e.g. <code className="font-bold">ollama pull llama3.2</code>, then refresh.
              </p>
            ) : (
              <div className="overflow-x-auto">
                <table className="w-full min-w-[20rem] border-collapse border-2 border-black text-sm" data-testid="ollama-models">
                  <caption className="label pb-1 text-left">Installed models</caption>
                  <TableHead columns={['Name', 'Params', 'Quant', 'Size']} />
                  <tbody>
                    {status.models.map((m) => (
                      <tr key={m.name}>
                        <th scope="row" className="cell font-bold break-all">
                          {m.name}
                        </th>
                        <td className="cell whitespace-nowrap">{m.parameterSize ?? '—'}</td>
                        <td className="cell whitespace-nowrap">{m.quantization ?? '—'}</td>
                        <td className="cell text-right whitespace-nowrap tabular-nums">{formatBytes(m.size)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        ) : (
          <>
            <p className="self-start border-4 border-black px-2 py-1 text-lg font-black tracking-widest">NOT DETECTED</p>
            <p className="text-sm">
              Local models are unavailable. Install Ollama (ollama.com) and start it, or set OLLAMA_HOST for the host process, then refresh.
            </p>
            <span className="label">Addresses tried</span>
            <Tried tried={status.tried} />
          </>
        )}
        {checkedAt !== null ? <p className="label">Checked {formatClock(checkedAt)}</p> : null}
      </div>
    </Panel>
  )
}
