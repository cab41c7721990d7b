import { fileURLToPath } from 'node:url'
import { buildWebUI } from '../../clients/web/build.ts'

/**
 * Vitest global setup: bundles the web UI into clients/web/assets before any test starts a server
 * from the sources, so the browser tests drive the UI as it is in the tree now, not a stale build.
 */
export default async function setup(): Promise<void> {
  await buildWebUI(fileURLToPath(new URL('../../clients/web/assets', import.meta.url)))
}
