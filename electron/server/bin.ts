import { main } from './cli'

// Entry point of `routellm`: the CLI itself lives in cli.ts so tests can run it in-process.
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // main reports what it expects; anything else is a bug, shown with its stack.
    console.error(error)
    process.exitCode = 1
  },
)
