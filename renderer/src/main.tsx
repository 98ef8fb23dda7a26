import './zod-config'
import './styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { createDashboardClient } from './client'
import { ErrorBoundary } from './components/ErrorBoundary'

const root = document.getElementById('root')
if (!root) throw new Error('routellm: #root is missing from index.html')

const { client, hasToken } = createDashboardClient(window)

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App client={client} hasToken={hasToken} />
    </ErrorBoundary>
  </StrictMode>,
)
