import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The `parley` command the bench measures: the compiled package (`bin/parley.mjs` → `dist/`), as
 * `npm start` and an installed `parley-server` run it. Not the sources through tsx
 * (`scripts/parley.mjs`, what the tests start): tsx compiles with esbuild's `keepNames`, which
 * gives every function a `name` property, ≈2 KiB more per held long-poll, and work no user's
 * server does. The bench's workflows import `parley-server` (this package, by its own name), so
 * they share the one copy of the runtime in `dist/`.
 */
export const PARLEY_BIN = 'bin/parley.mjs'

/** Compiles `dist/` from the sources as they are now (≈15 s), so what is measured is this checkout. */
export function buildParley(log: (line: string) => void): void {
  log('building dist/ (npm run build): the bench runs the compiled server')
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: fileURLToPath(new URL('../', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}
