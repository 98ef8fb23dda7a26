import { Component, type ErrorInfo, type ReactNode } from 'react'

interface State {
  error: Error | null
}

/** Last line of defence: a render error shows a plain message and a way back, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null }

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) }
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('routellm: the dashboard crashed while rendering', error, info.componentStack)
  }

  override render(): ReactNode {
    const { error } = this.state
    if (error === null) return this.props.children
    return (
      <main className="p-4">
        <div role="alert" data-testid="error-banner" className="on-dark border-4 border-black bg-black p-4 text-white">
          <h1 className="text-xl font-black tracking-[0.2em]">ROUTELLM: THE DASHBOARD HIT AN ERROR</h1>
          <p className="mt-2 break-words">{error.message}</p>
          <div className="mt-4 flex gap-3">
            <button type="button" className="btn-bar" onClick={() => this.setState({ error: null })}>
              Try again
            </button>
            <button type="button" className="btn-bar" onClick={() => window.location.reload()}>
              Reload
            </button>
          </div>
        </div>
      </main>
    )
  }
}
