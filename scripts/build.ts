/**
 * `npm run build`: what the package ships, in dist/ (also run by `npm ci` in a clone, through
 * `prepare`, and by `npm pack`):
 * - dist/src and dist/clients/typescript: JavaScript and declarations compiled by tsc
 *   (tsconfig.build.json), so plain `node` imports every entry point;
 * - dist/generated/v1.d.ts: the contract's types the client's declarations refer to;
 * - dist/clients/web/assets: the web UI bundled by esbuild, served as static files. The same
 *   files go to clients/web/assets for servers started from the sources (tests, `npm run dev`).
 *
 * `--web-ui` bundles the web UI for the source tree only (the tests' global setup does this).
 */
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { buildWebUI } from '../clients/web/build.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

await buildWebUI(`${root}clients/web/assets`)
if (!process.argv.includes('--web-ui')) {
  await rm(`${root}dist`, { recursive: true, force: true })
  const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], {
    stdio: 'inherit',
  })
  if (tsc.status !== 0) process.exit(tsc.status ?? 1)
  await mkdir(`${root}dist/generated`, { recursive: true })
  await copyFile(`${root}generated/v1.d.ts`, `${root}dist/generated/v1.d.ts`)
  await buildWebUI(`${root}dist/clients/web/assets`)
  console.log('built dist/ (JavaScript, declarations, web UI)')
}
