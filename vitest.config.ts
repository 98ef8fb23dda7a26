import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{bin,shared,electron,renderer,e2e/doubles,scripts}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
  },
})
