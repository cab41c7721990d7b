/**
 * The web UI's mount (`parley-server/web-ui`): serves the page at `/` and its bundled assets
 * under `/ui/` on any Hono app.
 *
 * @example
 * import { createApp } from 'parley-server'
 * import { mountWebUI } from 'parley-server/web-ui'
 * const app = createApp({ workflows: [greet], mountUI: mountWebUI })
 */
export type { WebUIOptions } from './http/web-ui.ts'
export { mountWebUI } from './http/web-ui.ts'
