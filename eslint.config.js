import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import prettier from 'eslint-config-prettier'

/** Import boundaries of DESIGN.md, enforced: who may import whom, by runtime. */
const forbid = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups }],
})
const NODE_BUILTINS = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'http', 'https', 'crypto', 'net', 'stream', 'url', 'util', 'worker_threads']
const ELECTRON = { group: ['electron', 'electron/*'], message: 'Only electron/main and electron/preload may import Electron.' }
const HOSTS = {
  group: ['**/main/**', '**/server/**', '**/preload/**', '**/electron/main', '**/electron/server', '**/electron/preload'],
  message: 'electron/core must not depend on a host.',
}
const ENGINE_OR_NODE = { group: ['**/electron/**', 'node:*'], message: 'The renderer imports only shared/ and itself: no Node, no engine code.' }
const NOT_SHARED = { group: ['**/electron/**', '**/renderer/**', 'node:*', 'electron'], message: 'shared/ is pure TypeScript that runs anywhere.' }
const TEST_DOUBLES = { group: ['**/e2e/**', '**/e2e'], message: 'Test doubles live with the tests, never in the product.' }
const TEST_SUPPORT = { group: ['**/test/**'], message: 'Test support lives under test/ and only tests and benches import it.' }
const CORE = [ELECTRON, HOSTS, TEST_DOUBLES, TEST_SUPPORT]

/**
 * The layers inside electron/core, lowest first (docs/ARCHITECTURE.md). A folder imports
 * only folders of lower layers; folders of one layer do not import each other; the files at
 * the core's root (services.ts, handlers.ts) are the composition root above them all.
 */
const CORE_LAYERS = [
  ['lib'],
  ['state'],
  ['keys', 'ollama', 'cost', 'semantic'],
  ['policy'],
  ['providers'],
  ['health'],
  ['pillars'],
  ['engine'],
  ['chat'],
  ['settings', 'telemetry', 'clusters', 'learning'],
  ['doctor'],
]
const COMPOSITION_ROOT = ['services', 'handlers']

/** One rule per core folder: its product files may not reach a folder of its own layer or above. */
function coreLayerRules() {
  return CORE_LAYERS.flatMap((layer, i) =>
    layer.map((folder) => {
      const below = CORE_LAYERS.slice(0, i).flat()
      const notBelow = [
        ...CORE_LAYERS.slice(i)
          .flat()
          .filter((f) => f !== folder),
        ...COMPOSITION_ROOT,
      ]
      const order = {
        regex: `^(\\.\\./)+(${notBelow.join('|')})(/|$)`,
        message: `electron/core/${folder} imports only the layers below it (${below.join(', ') || 'none: it is the lowest'}); see docs/ARCHITECTURE.md.`,
      }
      return { files: [`electron/core/${folder}/**/*.ts`], ignores: ['**/*.test.ts'], rules: forbid(...CORE, order) }
    }),
  )
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'resources/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Type-aware rules: a promise nobody awaits loses its error, an async callback where a void one
  // is expected runs unobserved, a switch that misses a member of a union and has no `default`
  // silently does nothing for it (a `default` is a deliberate choice for the rest). The project service
  // reads the tsconfig that includes each file. Not enabled: await-thenable (it reports
  // Promise.all over `T | Promise<T>`, which the router's synchronous fast path uses on purpose)
  // and require-await (contract handlers stay `async` so that a throw becomes a rejection).
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  { files: ['shared/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid(NOT_SHARED, TEST_DOUBLES, TEST_SUPPORT) },
  { files: ['shared/**/*.test.ts'], rules: forbid(NOT_SHARED, TEST_DOUBLES) },
  { files: ['electron/core/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid(...CORE) },
  ...coreLayerRules(),
  { files: ['electron/core/**/*.test.ts'], rules: forbid(ELECTRON, HOSTS) },
  { files: ['electron/server/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid(ELECTRON, TEST_DOUBLES, TEST_SUPPORT) },
  { files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid(TEST_DOUBLES, TEST_SUPPORT) },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'The renderer runs without Node.' })),
          patterns: [ELECTRON, ENGINE_OR_NODE, TEST_DOUBLES, TEST_SUPPORT],
        },
      ],
    },
  },
  // Last: turns off the stylistic rules that would fight the formatter.
  prettier,
)
