import type { EndpointView } from '../../../shared/keys'
import type { KeyOpState, TestState } from '../state/settings'
import { SettingsKeyField } from './SettingsKeyField'

interface SettingsEndpointRowProps {
  endpoint: EndpointView
  test: TestState | undefined
  keyOp: KeyOpState | undefined
  keychainWritable: boolean
  confirmRemove: boolean
  removing: boolean
  onEdit: () => void
  onTest: () => void
  onSetKey: (key: string) => void
  onRemoveKey: () => void
  onAskRemove: () => void
  onCancelRemove: () => void
  onRemove: () => void
}

const KIND_LABEL: Record<string, string> = {
  ok: 'OK',
  'no-key': 'NO KEY',
  'bad-key': 'BAD KEY',
  unreachable: 'UNREACHABLE',
  'not-openai-compatible': 'NOT OPENAI-COMPATIBLE',
  'rate-limited': 'RATE LIMITED',
  'server-error': 'SERVER ERROR',
  error: 'FAILED',
}

function TestOutcome({ id, test }: { id: string; test: TestState | undefined }) {
  if (!test) return null
  if (test.running) {
    return (
      <p className="label" data-testid={`endpoint-test-result-${id}`} data-kind="running" aria-live="polite">
        Testing…
      </p>
    )
  }
  if (test.error) {
    return (
      <p role="alert" className="border-l-4 border-black pl-2 text-sm font-bold" data-testid={`endpoint-test-result-${id}`} data-kind="error">
        □ TEST FAILED: {test.error.message}
      </p>
    )
  }
  const r = test.result
  if (!r) return null
  return (
    <div
      className={r.ok ? 'border-2 border-black p-2 text-sm' : 'border-4 border-black p-2 text-sm'}
      data-testid={`endpoint-test-result-${id}`}
      data-kind={r.kind}
      role={r.ok ? 'status' : 'alert'}
    >
      <p>
        <span className={r.ok ? 'mr-2 bg-black px-1 font-black tracking-widest text-white' : 'mr-2 border-2 border-black px-1 font-black tracking-widest'}>
          {r.ok ? '■' : '□'} {KIND_LABEL[r.kind] ?? r.kind.toUpperCase()}
        </span>
        {r.message}
        <span className="ml-2 text-gray-600">{r.ms} ms</span>
      </p>
      {r.ok && r.models.length > 0 ? (
        <p className="mt-1 break-words text-gray-700">
          {r.models.slice(0, 12).join(' · ')}
          {r.models.length > 12 ? ` · +${r.models.length - 12}` : ''}
        </p>
      ) : null}
    </div>
  )
}

/** One endpoint: what it is, its key ("set" / "not set" only), and its actions. */
export function SettingsEndpointRow(props: SettingsEndpointRowProps) {
  const { endpoint: e, test, keyOp, keychainWritable, confirmRemove, removing } = props
  return (
    <li data-testid={`endpoint-row-${e.id}`} className="flex flex-col gap-3 border-2 border-black p-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="min-w-0 break-words">
          <span className="text-lg font-black">{e.name}</span>
          <span className="ml-2 text-sm text-gray-600">{e.id}</span>
        </p>
        <p className="flex flex-wrap gap-2 text-xs font-bold tracking-widest uppercase">
          <span className="border-2 border-black px-1">{e.provider}</span>
          <span className={e.tier === 'cloud' ? 'bg-black px-1 text-white' : 'border-2 border-black px-1'}>{e.tier}</span>
          {e.enabled ? null : <span className="border-2 border-dashed border-gray-600 px-1 text-gray-600">disabled</span>}
        </p>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="label">Base URL</dt>
        <dd className="font-bold break-all" data-testid={`endpoint-baseurl-${e.id}`}>
          {e.baseURL}
        </dd>
        <dt className="label">Models</dt>
        <dd className="break-words">{e.models.length === 0 ? <span className="text-gray-600">none listed</span> : e.models.join(' · ')}</dd>
      </dl>
      <SettingsKeyField
        endpointId={e.id}
        endpointName={e.name}
        status={e.key}
        op={keyOp}
        writable={keychainWritable}
        onSet={props.onSetKey}
        onRemove={props.onRemoveKey}
      />
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn px-3 py-1" data-testid={`endpoint-test-${e.id}`} onClick={props.onTest} disabled={test?.running ?? false}>
          {test?.running ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="btn btn-secondary px-3 py-1" data-testid={`endpoint-edit-${e.id}`} onClick={props.onEdit}>
          Edit
        </button>
        {confirmRemove ? (
          <>
            <span className="text-sm font-bold">Remove {e.id} and its key?</span>
            <button type="button" className="btn px-3 py-1" data-testid={`endpoint-remove-confirm-${e.id}`} onClick={props.onRemove}>
              Yes, remove
            </button>
            <button type="button" className="btn btn-secondary px-3 py-1" onClick={props.onCancelRemove}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-secondary px-3 py-1" data-testid={`endpoint-remove-${e.id}`} onClick={props.onAskRemove} disabled={removing}>
            {removing ? 'Removing…' : 'Remove'}
          </button>
        )}
      </div>
      <TestOutcome id={e.id} test={test} />
    </li>
  )
}
