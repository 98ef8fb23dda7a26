import { useId } from 'react'
import type { FieldSpec } from '../state/policy-form'

const INPUT = 'w-full min-w-0 border-2 border-black bg-white px-2 py-1 font-mono text-sm aria-invalid:border-4'

interface PolicyFieldProps {
  spec: FieldSpec
  /** What the field starts with: the value in force, or what the user submitted last. */
  text: string
  /** Differs from the default policy (the diff lists it). */
  changed: boolean
  error: string | null
}

/** One policy value as a labelled input, its error under it (by field, from the schema). */
export function PolicyField({ spec, text, changed, error }: PolicyFieldProps) {
  const id = useId()
  const common = {
    id,
    name: spec.path,
    'data-testid': `policy-field-${spec.path}`,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error || spec.hint ? `${id}-note` : undefined,
  }
  const label = (
    <span className="flex items-center gap-1 text-xs font-bold tracking-wider uppercase">
      {spec.label}
      {changed ? (
        <span className="bg-black px-1 text-white" title="differs from the default">
          ≠
        </span>
      ) : null}
    </span>
  )
  return (
    <div className="flex min-w-0 flex-col gap-1">
      {spec.kind === 'boolean' ? (
        <label htmlFor={id} className="flex items-center gap-2">
          <input type="checkbox" className="size-4 accent-black" defaultChecked={text === 'true'} {...common} />
          {label}
        </label>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {spec.kind === 'enum' ? (
            <select className={INPUT} defaultValue={text} {...common}>
              {spec.options?.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              className={INPUT}
              defaultValue={text}
              autoComplete="off"
              spellCheck={false}
              inputMode={spec.kind === 'number' || spec.kind === 'integer' ? 'decimal' : undefined}
              {...common}
            />
          )}
        </>
      )}
      {error ? (
        <p id={`${id}-note`} className="text-xs font-bold" data-testid={`policy-error-${spec.path}`}>
          ▲ {error}
        </p>
      ) : spec.hint ? (
        <p id={`${id}-note`} className="text-xs text-gray-600">
          {spec.hint}
        </p>
      ) : null}
    </div>
  )
}
