import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import type { CostSummary, EndpointsReport } from '../../shared/health'
import type { TelemetryRow, TelemetrySummary } from '../../shared/telemetry'
import { describeError, type DashboardClient } from './client'
import { AnswerPanel } from './components/AnswerPanel'
import { DecisionPanel } from './components/DecisionPanel'
import { ErrorBanner } from './components/ErrorBanner'
import { FeedbackButtons, type Rated } from './components/FeedbackButtons'
import { Header } from './components/Header'
import { HealthPanel } from './components/HealthPanel'
import { OllamaPanel } from './components/OllamaPanel'
import { OptimizePanel } from './components/OptimizePanel'
import { PolicyPanel } from './components/PolicyPanel'
import { PromptPanel } from './components/PromptPanel'
import { SelfCheckPanel } from './components/SelfCheckPanel'
import { RetryInCloud } from './components/RetryInCloud'
import { SettingsPanel } from './components/SettingsPanel'
import { Pathway } from './components/Pathway'
import { TelemetryBar } from './components/TelemetryBar'
import { TelemetryPanel } from './components/TelemetryPanel'
import { WhatIfPanel } from './components/WhatIfPanel'
import { useBannerErrors } from './hooks/useBannerErrors'
import { useRequestRate } from './hooks/useRequestRate'
import { useContractQuery } from './data/useContractQuery'
import { canStop, dashboardReducer, initialDashboard, isBusy } from './state/dashboard'
import { endpointDown, ollamaHealth, systemCondition } from './state/health'

interface AppProps {
  client: DashboardClient
  /** false when the page was opened without #token=… and none was stored for this tab. */
  hasToken: boolean
}

export function App({ client, hasToken }: AppProps) {
  const [state, dispatch] = useReducer(dashboardReducer, initialDashboard)
  const [prompt, setPrompt] = useState('')
  const [lastRating, setLastRating] = useState<Rated | null>(null)
  const { run } = state
  const promptRef = useRef<HTMLTextAreaElement>(null)

  // Engine events and the state of the event channel.
  useEffect(() => {
    const offs = [
      client.on('chat.status', (payload) => dispatch({ type: 'event/status', payload })),
      client.on('chat.token', (payload) => dispatch({ type: 'event/token', payload })),
      client.onConnection((s) => dispatch({ type: 'connection/changed', state: s })),
    ]
    return () => offs.forEach((off) => off())
  }, [client])

  // Anything that escapes a handler ends up in the banner, not in a blank page.
  useEffect(() => {
    const onRejection = (e: PromiseRejectionEvent): void => {
      e.preventDefault()
      dispatch({ type: 'error/raised', source: 'ui', error: describeError(e.reason) })
    }
    const onError = (e: ErrorEvent): void => {
      dispatch({ type: 'error/raised', source: 'ui', error: describeError(e.error ?? e.message) })
    }
    window.addEventListener('unhandledrejection', onRejection)
    window.addEventListener('error', onError)
    return () => {
      window.removeEventListener('unhandledrejection', onRejection)
      window.removeEventListener('error', onError)
    }
  }, [])

  useEffect(() => {
    if (hasToken) return
    dispatch({
      type: 'error/raised',
      source: 'app',
      error: {
        message: 'No access token: this page was opened without the #token=… part of its URL.',
        code: 'unauthorized',
        details: [],
        hint: 'Open the full URL printed by `npm run serve` (http://127.0.0.1:PORT/#token=…).',
      },
    })
  }, [hasToken])

  const info = useContractQuery(client, 'app.info', {}, { enabled: hasToken })
  const ollama = useContractQuery(client, 'ollama.status', {}, { enabled: hasToken })
  useBannerErrors(info, 'app', dispatch)
  useBannerErrors(ollama, 'ollama', dispatch)
  const reloadOllama = ollama.reload
  // Never rejects: a failure reaches the banner through useBannerErrors.
  const refreshOllama = useCallback(() => void reloadOllama({ refresh: true }), [reloadOllama])

  // STOP pressed before chat.start returned: send chat.stop as soon as the requestId is known.
  useEffect(() => {
    if (run.stop !== 'wanted' || run.requestId === null) return
    const requestId = run.requestId
    dispatch({ type: 'stop/sent' })
    client.call('chat.stop', { requestId }).catch((err: unknown) => {
      dispatch({ type: 'stop/failed', error: describeError(err) })
    })
  }, [client, run.stop, run.requestId])

  const busy = isBusy(run)

  // The prompt of the answer on screen: Retry in the cloud asks exactly it again, whatever the box holds now.
  const runPrompt = useRef('')
  const start = useCallback(
    async (input: { prompt: string; tier?: 'cloud'; retryOf?: string }) => {
      dispatch({ type: 'run/requested' })
      runPrompt.current = input.prompt
      try {
        const { requestId } = await client.call('chat.start', input)
        dispatch({ type: 'run/started', requestId })
      } catch (err) {
        dispatch({ type: 'run/failed', error: describeError(err) })
      }
    },
    [client],
  )

  const onRun = useCallback(async () => {
    if (busy || prompt.trim() === '') return
    await start({ prompt })
  }, [busy, prompt, start])

  const onRetryInCloud = useCallback(
    (retryOf: string) => {
      if (busy || runPrompt.current === '') return
      // start never rejects: a failure becomes the run's error state.
      void start({ prompt: runPrompt.current, tier: 'cloud', retryOf })
    },
    [busy, start],
  )

  const onSimulate = useCallback(async () => {
    if (busy || prompt.trim() === '') return
    dispatch({ type: 'simulate/requested' })
    try {
      const decision = await client.call('route.decide', { prompt })
      dispatch({ type: 'simulate/succeeded', decision })
    } catch (err) {
      dispatch({ type: 'simulate/failed', error: describeError(err) })
    }
  }, [busy, client, prompt])

  const stoppable = canStop(run)
  const onStop = useCallback(() => {
    dispatch({ type: 'stop/requested' })
    promptRef.current?.focus()
  }, [])

  // Esc stops the run wherever focus is (the STOP button may not even be focusable then).
  useEffect(() => {
    if (!stoppable) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape' || e.defaultPrevented) return
      e.preventDefault()
      onStop()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [stoppable, onStop])

  // RUN and SIMULATE are disabled while busy, which drops focus to the page: give it back to the prompt.
  useEffect(() => {
    if (busy) return
    const el = document.activeElement
    if (el === null || el === document.body) promptRef.current?.focus()
  }, [busy])

  const onHealthReport = useCallback((report: EndpointsReport) => dispatch({ type: 'health/report', report }), [])

  // The telemetry bar: the panels' latest figures (no RPC of its own) and the live request rate.
  const [telemetry, setTelemetry] = useState<TelemetrySummary | null>(null)
  const [cost, setCost] = useState<CostSummary | null>(null)
  const rate = useRequestRate(client)
  const seedRate = rate.seed
  const onTelemetry = useCallback(
    (summary: TelemetrySummary, rows: TelemetryRow[]) => {
      setTelemetry(summary)
      seedRate(rows)
    },
    [seedRate],
  )

  // When the engine finds Ollama failing (or back), probe it again so the panel shows what is there now.
  const ollamaEndpoint = ollamaHealth(state.health)
  const ollamaDown = ollamaEndpoint !== null && endpointDown(ollamaEndpoint)
  const seenOllamaDown = useRef(false)
  useEffect(() => {
    if (ollamaDown === seenOllamaDown.current) return
    seenOllamaDown.current = ollamaDown
    refreshOllama()
  }, [ollamaDown, refreshOllama])

  return (
    <div className="flex min-h-screen flex-col">
      <Header info={info.data} transport={client.transport} connection={state.connection} system={systemCondition(state.health)} />
      <TelemetryBar summary={telemetry} cost={cost} health={state.health} perMinute={rate.perMinute} />
      <main className="grid flex-1 grid-cols-1 content-start gap-4 p-4 lg:grid-cols-12">
        <div className="col-span-full empty:hidden">
          <ErrorBanner
            errors={state.errors}
            onDismiss={(id) => dispatch({ type: 'error/dismissed', id })}
            onClear={() => dispatch({ type: 'errors/cleared' })}
          />
        </div>
        {/* DOM order is the phone order (prompt → status → answer → decision); lg:order-* lays out the desktop grid. */}
        <PromptPanel
          className="lg:order-1 lg:col-span-8"
          inputRef={promptRef}
          prompt={prompt}
          onPromptChange={setPrompt}
          // Neither rejects: a failure becomes the run's or the simulation's error state.
          onRun={() => void onRun()}
          onSimulate={() => void onSimulate()}
          onStop={onStop}
          busy={busy}
          canStop={stoppable}
          stopping={run.stop !== 'none' && (run.phase === 'starting' || run.phase === 'analyzing' || run.phase === 'routing' || run.phase === 'generating')}
        >
          <Pathway run={run} />
        </PromptPanel>
        <AnswerPanel
          className="lg:order-4 lg:col-span-12"
          run={run}
          feedback={
            <>
              <FeedbackButtons client={client} run={run} onRated={setLastRating} />
              <RetryInCloud run={run} busy={busy} onRetry={onRetryInCloud} />
            </>
          }
        />
        <DecisionPanel className="lg:order-3 lg:col-span-8" run={run} />
        <OllamaPanel
          className="lg:order-2 lg:col-span-4 lg:row-span-2"
          status={ollama.data}
          loading={ollama.loading}
          checkedAt={ollama.updatedAt}
          health={ollamaEndpoint}
          onRefresh={refreshOllama}
        />
        <TelemetryPanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} lastRating={lastRating} onLoaded={onTelemetry} />
        <WhatIfPanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} />
        <HealthPanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} onReport={onHealthReport} onCost={setCost} />
        <PolicyPanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} />
        <SelfCheckPanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} />
        <OptimizePanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} />
        <SettingsPanel className="lg:order-5 lg:col-span-12" client={client} enabled={hasToken} />
      </main>
    </div>
  )
}
