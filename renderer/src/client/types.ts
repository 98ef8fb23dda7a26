import type { ContractClient } from '../../../shared/client'

export type Transport = 'ipc' | 'http'

/** State of the server-push channel (SSE in the browser; always open over IPC). */
export interface ConnectionState {
  status: 'idle' | 'connecting' | 'open' | 'retrying' | 'unauthorized'
  /** Consecutive failed attempts since the last successful connection. */
  attempt: number
  error: string | null
  retryInMs: number | null
}

export const IDLE_CONNECTION: ConnectionState = { status: 'idle', attempt: 0, error: null, retryInMs: null }

/** The contract client plus what the dashboard needs to show about the transport. */
export interface DashboardClient extends ContractClient {
  readonly transport: Transport
  connection(): ConnectionState
  onConnection(listener: (state: ConnectionState) => void): () => void
  close(): void
}
