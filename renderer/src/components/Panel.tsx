import { useId, type ReactNode } from 'react'

interface PanelProps {
  title: string
  /** Buttons shown on the right of the black title bar (use the .btn-bar class). */
  actions?: ReactNode
  className?: string
  bodyClassName?: string
  children: ReactNode
}

/** A titled, bordered region of the grid. Every panel is a labelled landmark. */
export function Panel({ title, actions, className = '', bodyClassName = 'p-4', children }: PanelProps) {
  const id = useId()
  return (
    <section aria-labelledby={id} className={`flex min-w-0 flex-col border-2 border-black bg-white ${className}`}>
      <div className="on-dark flex min-h-9 items-center justify-between gap-2 bg-black px-3 py-1 text-white">
        <h2 id={id} className="text-sm font-bold tracking-[0.2em] uppercase">
          {title}
        </h2>
        {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
      </div>
      <div className={`min-w-0 flex-1 ${bodyClassName}`}>{children}</div>
    </section>
  )
}
