import { useId, type KeyboardEvent, type ReactNode, type Ref } from 'react'
import { Panel } from './Panel'

interface PromptPanelProps {
  prompt: string
  onPromptChange: (value: string) => void
  onRun: () => void
  onSimulate: () => void
  onStop: () => void
  busy: boolean
  canStop: boolean
  stopping: boolean
  className?: string
  /** The prompt box, so focus can come back to it after a run is stopped. */
  inputRef?: Ref<HTMLTextAreaElement>
  children?: ReactNode
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
const MOD = isMac ? '⌘' : 'CTRL'

/** The prompt box and its three actions. Ctrl/Cmd+Enter runs, +Shift simulates; Esc (anywhere on the page, see App) stops. */
export function PromptPanel(props: PromptPanelProps) {
  const { prompt, onPromptChange, onRun, onSimulate, onStop, busy, canStop, stopping, className, inputRef, children } = props
  const inputId = useId()
  const hintId = useId()
  const empty = prompt.trim() === ''

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): void {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      if (busy || empty) return
      if (e.shiftKey) onSimulate()
      else onRun()
    }
  }

  return (
    <Panel title="Prompt" className={className}>
      <div className="flex flex-col gap-3">
        <label htmlFor={inputId} className="sr-only">
          Prompt
        </label>
        <textarea
          id={inputId}
          ref={inputRef}
          data-testid="prompt-input"
          aria-describedby={hintId}
          value={prompt}
          onChange={(e) => onPromptChange(e.target.value)}
          onKeyDown={onKeyDown}
          rows={6}
          spellCheck={false}
          placeholder="Ask anything. The router decides where it runs."
          className="min-h-36 w-full resize-y border-2 border-black bg-white p-3 font-mono text-base leading-relaxed text-black placeholder:text-gray-500"
        />
        <div className="flex flex-wrap items-center gap-3">
          <button type="button" data-testid="run-button" className="btn" onClick={onRun} disabled={busy || empty} aria-keyshortcuts="Control+Enter Meta+Enter">
            Route &amp; Run
          </button>
          <button
            type="button"
            data-testid="simulate-button"
            className="btn btn-secondary"
            onClick={onSimulate}
            disabled={busy || empty}
            aria-keyshortcuts="Control+Shift+Enter Meta+Shift+Enter"
          >
            Simulate
          </button>
          <button type="button" data-testid="stop-button" className="btn btn-secondary" onClick={onStop} disabled={!canStop} aria-keyshortcuts="Escape">
            {stopping ? 'Stopping…' : 'Stop'}
          </button>
          <p id={hintId} className="label ml-auto">
            {MOD}+ENTER RUN · {MOD}+SHIFT+ENTER SIMULATE · ESC STOP · {prompt.length.toLocaleString('en-US')} CHARS
          </p>
        </div>
        {children}
      </div>
    </Panel>
  )
}
