export interface Column {
  label: string
  /** Right-aligned, for figures. */
  numeric?: boolean
  title?: string
}

/** The black header row every dashboard table shares. */
export function TableHead({ columns }: { columns: readonly (string | Column)[] }) {
  return (
    <thead>
      <tr className="bg-black text-white">
        {columns.map((c) => {
          const col = typeof c === 'string' ? { label: c } : c
          return (
            <th key={col.label} scope="col" className={`cell text-xs tracking-widest uppercase ${col.numeric ? 'text-right' : ''}`} title={col.title}>
              {col.label}
            </th>
          )
        })}
      </tr>
    </thead>
  )
}
