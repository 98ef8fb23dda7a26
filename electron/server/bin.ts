import { main } from './cli'

// Entry point of `routellm`: the CLI itself lives in cli.ts so tests can run it in-process.
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
  (code) => {
    process.exitCode = code
  },
)
