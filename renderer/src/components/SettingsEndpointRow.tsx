import { startTransition, useActionState, useState } from 'react'
import type { ConnectionTestResult, EndpointView } from '../../../shared/keys'
import type { DashboardClient } from '../client'
import { currentTest, removeEndpoint, removeKey, setKey, testEndpoint, type Outcome } from '../state/endpoint-actions'
import { SettingsKeyField } from './SettingsKeyField'

interface SettingsEndpointRowProps {
  client: DashboardClient
  endpoint: EndpointView
  keychainWritable: boolean
  onEdit: () => void
}

type TestState = { running: boolean; outcome: Outcome<ConnectionTestResult> | null }

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

function TestOutcome({ id, test }: { id: string; test: TestState }) {
  if (test.running) {
    return (
      <p className="label" data-testid={`endpoint-test-result-${id}`} data-kind="running" aria-live="polite">
        Testing…
      </p>
    )
  }
  if (test.outcome?.error) {
    return (
      <p role="alert" className="border-l-4 border-black pl-2 text-sm font-bold" data-testid={`endpoint-test-result-${id}`} data-kind="error">
        □ TEST FAILED: {test.outcome.error.message}
      </p>
    )
  }
  const r = test.outcome?.value
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

/**
 * One endpoint: what it is, its key ("set" / "not set" only), and its actions, each a React
 * action (test, key set/remove, remove). The row updates when the list reloads on the engine's
 * endpoints.changed event.
 */
export function SettingsEndpointRow({ client, endpoint: e, keychainWritable, onEdit }: SettingsEndpointRowProps) {
  const [tested, runTest, testing] = useActionState(() => testEndpoint(client, e.id), null)
  const [keyOp, runKey, keyBusy] = useActionState(
    (_prev: Outcome<string> | null, key: string | null) => (key === null ? removeKey(client, e.id) : setKey(client, e.id, key)),
    null,
  )
  const [removal, runRemove, removing] = useActionState(() => removeEndpoint(client, e.id), null)
  const [confirmRemove, setConfirmRemove] = useState(false)
  const test: TestState = { running: testing, outcome: currentTest(tested, keyOp) }
  const act = (run: () => void) => startTransition(run)
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
        op={{ busy: keyBusy, message: keyOp?.value ?? null, error: keyOp?.error ?? removal?.error ?? null }}
        writable={keychainWritable}
        onSet={(key) => act(() => runKey(key))}
        onRemove={() => act(() => runKey(null))}
      />
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn px-3 py-1" data-testid={`endpoint-test-${e.id}`} onClick={() => act(runTest)} disabled={testing}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="btn btn-secondary px-3 py-1" data-testid={`endpoint-edit-${e.id}`} onClick={onEdit}>
          Edit
        </button>
        {confirmRemove ? (
          <>
            <span className="text-sm font-bold">Remove {e.id} and its key?</span>
            <button
              type="button"
              className="btn px-3 py-1"
              data-testid={`endpoint-remove-confirm-${e.id}`}
              onClick={() => {
                setConfirmRemove(false)
                act(runRemove)
              }}
            >
              Yes, remove
            </button>
            <button type="button" className="btn btn-secondary px-3 py-1" onClick={() => setConfirmRemove(false)}>
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn btn-secondary px-3 py-1"
            data-testid={`endpoint-remove-${e.id}`}
            onClick={() => setConfirmRemove(true)}
            disabled={removing}
          >
            {removing ? 'Removing…' : 'Remove'}
          </button>
        )}
      </div>
      <TestOutcome id={e.id} test={test} />
    </li>
  )
}
